"""Citation metadata for crsmap: PubMed and Crossref clients, the cache and citation formats.

``fetch.fetch_citations`` fills ``literature.jsonl`` (``cache``) from NCBI E-utilities
(``pubmed``), NCBI's ID converter (``idconv``) and Crossref (``crossref``), politely
(``http``); ``export`` writes BibTeX, CSL-JSON and TSV from the one record type,
``model.Citation``.
"""
