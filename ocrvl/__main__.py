from ocrvl.cli import main

main()
