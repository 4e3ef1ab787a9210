"""The server's own health (``/health*``, public) and its Prometheus ``/metrics``."""
