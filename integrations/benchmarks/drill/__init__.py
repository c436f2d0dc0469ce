"""The fault drill ``manage.py cluster_check`` runs inside the cluster's database: ``world`` (what it works
with), ``run`` (the stream and the faults), ``reads`` (replica or primary), ``compare`` (the verdict)."""
