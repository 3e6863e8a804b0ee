"""The interchange import (docs/interchange.md) as an upload: the files of one import in one request, written
in one transaction or not at all, every bad row named."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Annotated, Any

from django.db import DatabaseError
from django.http import HttpRequest
from ninja import Router, UploadedFile
from ninja.params.functions import File as FileParam

from kakehashi.accounts import policy
from kakehashi.audit import scope
from kakehashi.interchange.actions import do_import_files
from kakehashi.interchange.errors import ImportRejected
from kakehashi.interchange.kinds import ORDER

from .guard import principal, requires
from .problems import Problem, invalid, problem
from .responses import for_change
from .schemas import ImportOut

router = Router(tags=["データ連携"])
# The command's words for a database or disk that failed mid-import (its module is named after a keyword).
failure_message = importlib.import_module("kakehashi.interchange.management.commands.import").failure_message

# Each a file of the multipart body, named by its kind (docs/interchange.md).
Upload = Annotated[UploadedFile | None, FileParam(None, description="CSV（UTF-8 または CP932）")]

# What each file writes, so the capability an integration's agency must hold to send it (policy.CAPABILITIES).
NEEDS = {"employers": "employer.edit", "seekers": "seeker.edit", "postings": "posting.edit",
         "visits": "visit.record", "referrals": "referral.edit", "targets": "plan.edit"}


@router.post("/imports", response={**for_change(200, ImportOut), 503: Problem}, url_name="import",
             summary="データ連携ファイルの取込（1つ以上のファイルを一度に、すべてか何もしないか）")
@requires("import:write")
def import_files(request: HttpRequest, employers: Upload = None, seekers: Upload = None, postings: Upload = None,
                 visits: Upload = None, referrals: Upload = None, targets: Upload = None) -> Any:
    user = principal(request)
    sent = {"employers": employers, "seekers": seekers, "postings": postings, "visits": visits,
            "referrals": referrals, "targets": targets}
    files = {kind: f for kind, f in sent.items() if f is not None}
    if not files:
        return invalid(request, [{"field": "body", "message": "取り込むファイルを1つ以上送ってください（"
                                  + "、".join(ORDER) + "）。"}])
    refused = [kind for kind in files if not policy.can(user, NEEDS[kind])]
    if refused:
        scope.denied("api:import", None, detail={"reason": "capability", "files": refused})
        return problem(request, 403, f"この連携の機関（{user.agency}）は次のファイルを取り込めません："
                                     + "、".join(f"{k}.csv" for k in refused))
    with tempfile.TemporaryDirectory(prefix="kakehashi-import-") as tmp:
        paths = []
        for kind, upload in files.items():
            path = Path(tmp) / f"{kind}.csv"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            paths.append((kind, path))
        try:
            result = do_import_files(paths, acting_user=user)
        except ImportRejected as e:
            return problem(request, 422, str(e), errors=[
                {"file": err.file or None, "line": err.line or None, "column": err.column or None,
                 "message": err.message} for err in e.errors])
        except (DatabaseError, OSError) as e:
            return problem(request, 503, failure_message(e))
    return {"files": [f.as_dict() for f in result.files], "warnings": result.warnings, "seconds": result.seconds}
