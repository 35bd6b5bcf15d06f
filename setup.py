"""Package discovery: every package under the stage folders is installed, with none to list by hand.

The stage folders (fixed by the design) install as sub-packages of ``ocrvl``; the sub-packages inside them
are found, so a new folder with an ``__init__.py`` is never left out of a wheel.
"""

from setuptools import find_packages, setup

STAGE_FOLDERS = {
    "ocrvl": "ocrvl",
    "ocrvl.layout": "layout",
    "ocrvl.recognition": "recognition",
    "ocrvl.postprocess": "postprocess",
    "ocrvl.models": "models",
}


def discover_packages() -> list[str]:
    packages = []
    for package, folder in STAGE_FOLDERS.items():
        packages.append(package)
        packages += [f"{package}.{sub}" for sub in find_packages(folder)]
    return sorted(set(packages))


setup(package_dir=STAGE_FOLDERS, packages=discover_packages())
