"""Reporting runs to assay's server: ``assay run --report-to``, ``assay report``.

``spool`` (the durable journal per run) · ``client`` (the API calls, errors at one boundary)
· ``delivery`` (one spool on its way) · ``reporter`` (the engine listener and its thread)
· ``options`` (the run's flags) · ``commands`` (``assay report flush | status``).
"""
