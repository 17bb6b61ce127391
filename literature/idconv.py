"""NCBI's PMC ID converter: PMC IDs (and DOIs) to PMIDs, in batches."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .errors import OutsideError
from .http import HttpClient, limiter_for
from .model import tolerant, valid_doi, valid_pmcid, valid_pmid

DEFAULT_URL = "https://pmc.ncbi.nlm.nih.gov/tools/idconv/api/v1/articles/"
BATCH = 200


class IdConverter:
    """Maps PMC IDs or DOIs to ``{"pmid", "pmcid", "doi"}`` records."""

    def __init__(self, base_url: str = DEFAULT_URL, email: str = "", api_key: str = ""):
        self.base_url = base_url
        self.email = email
        # The converter is an NCBI service: it shares the E-utilities budget.
        self.http = HttpClient("NCBI ID converter", limiter_for("ncbi", 10 if api_key else 3))

    def convert(self, ids: list[str]) -> tuple[dict[str, dict[str, str]], set[str]]:
        """One request for up to :data:`BATCH` IDs: records by ID, and the IDs answered about.

        An ID answered with an error record is answered (it has no PubMed record); an ID
        the answer is silent about is not.
        """
        params = {"ids": ",".join(ids), "format": "json", "tool": "crsmap"}
        if self.email:
            params["email"] = self.email
        response = self.http.request("GET", self.base_url, params=params, what="ID conversion")
        try:
            document = json.loads(response.content)
        except ValueError:
            raise OutsideError("NCBI ID converter answered with malformed JSON") from None
        return parse_idconv_answer(document, ids)


def parse_idconv(document: dict, requested: Iterable[str]) -> dict[str, dict[str, str]]:
    """Records by the requested ID (matched case-blind); error records are left out."""
    return parse_idconv_answer(document, requested)[0]


@tolerant("NCBI ID converter")
def parse_idconv_answer(
    document: dict, requested: Iterable[str]
) -> tuple[dict[str, dict[str, str]], set[str]]:
    """Records by the requested ID (matched case-blind), and every requested ID answered.

    Identifiers in records are checked: an invalid DOI or PMC ID is dropped from its
    record, and a record with an invalid PMID is ignored, as if it had not been sent.
    """
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise OutsideError("NCBI ID converter answered without records")
    wanted = {r.lower(): r for r in requested}
    result: dict[str, dict[str, str]] = {}
    answered: set[str] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        keys = [record.get(k) for k in ("pmcid", "doi", "requested-id")]
        matched = {wanted[k.lower()] for k in keys if isinstance(k, str) and k.lower() in wanted}
        if record.get("status") == "error":
            answered |= matched
            continue
        if record.get("pmid") is not None and valid_pmid(record["pmid"]) is None:
            continue
        checked = {
            "pmid": valid_pmid(record.get("pmid")),
            "pmcid": valid_pmcid(record.get("pmcid")),
            "doi": valid_doi(record.get("doi")),
        }
        ids = {k: v for k, v in checked.items() if v}
        for key in matched:
            result[key] = ids
        answered |= matched
    return result, answered
