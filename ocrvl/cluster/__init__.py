"""Running a batch on a Ray cluster (``ocrvl parse --ray``): documents cut into page ranges read by page workers
that hold the models once (for the vl engines, loading and layout only: recognizer actors read the crops of many
pages together); the results come back in page order to the batch writer of a local run (`ocrvl.batch.run_batch`),
so the folders, manifests, resume and errors.json are the same.

Ray is the optional extra ``ocrvl[ray]``; nothing here imports it before a run asks for a cluster.
"""

from ocrvl.cluster.connection import ray_cluster
from ocrvl.cluster.options import ClusterOptions
from ocrvl.cluster.reader import ClusterReader, WorkerLostError
from ocrvl.cluster.session import ClusterSession, cluster_session

__all__ = ["ClusterOptions", "ClusterReader", "ClusterSession", "WorkerLostError", "cluster_session", "ray_cluster"]
