"""NCBI's PMC ID converter: PMC IDs (and DOIs) to PMIDs, in batches."""

from __future__ import annotations

import json
from collections.abc import Iterable

from curation.errors import OutsideError

from .http import HttpClient, limiter_for
from .model import tolerant

DEFAULT_URL = "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/"
BATCH = 200


class IdConverter:
    """Maps PMC IDs or DOIs to ``{"pmid", "pmcid", "doi"}`` records."""

    def __init__(self, base_url: str = DEFAULT_URL, email: str = "", api_key: str = ""):
        self.base_url = base_url
        self.email = email
        # The converter is an NCBI service: it shares the E-utilities budget.
        self.http = HttpClient("NCBI ID converter", limiter_for("ncbi", 10 if api_key else 3))

    def convert(self, ids: list[str]) -> dict[str, dict[str, str]]:
        """One request for up to :data:`BATCH` IDs; unknown IDs are absent from the result."""
        params = {"ids": ",".join(ids), "format": "json", "tool": "crsmap"}
        if self.email:
            params["email"] = self.email
        response = self.http.request("GET", self.base_url, params=params, what="ID conversion")
        try:
            document = json.loads(response.content)
        except ValueError:
            raise OutsideError("NCBI ID converter answered with malformed JSON") from None
        return parse_idconv(document, ids)


@tolerant("NCBI ID converter")
def parse_idconv(document: dict, requested: Iterable[str]) -> dict[str, dict[str, str]]:
    """Records by the requested ID (matched case-blind); error records are left out."""
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise OutsideError("NCBI ID converter answered without records")
    wanted = {r.lower(): r for r in requested}
    result: dict[str, dict[str, str]] = {}
    for record in records:
        if not isinstance(record, dict) or record.get("status") == "error":
            continue
        ids = {k: str(record[k]) for k in ("pmid", "pmcid", "doi") if record.get(k)}
        for key in (ids.get("pmcid", ""), ids.get("doi", ""), str(record.get("requested-id", ""))):
            if key and key.lower() in wanted:
                result[wanted[key.lower()]] = ids
    return result
