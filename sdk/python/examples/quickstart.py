"""Quick start: log in, register a person, open a case, check and record an allocation, deliver
it with the recipient's signature as proof, and print the case timeline.

    HAMKKE_URL=http://127.0.0.1:8080 HAMKKE_USERNAME=demo.dong HAMKKE_PASSWORD=… \
        PYTHONPATH=generated python examples/quickstart.py
"""

import datetime
import io
import os
import random
import sys

from hamkke_client import AuthenticatedClient, Client
from hamkke_client.api.allocations import (
    check_allocation,
    create_allocation,
    deliver_allocation,
    create_resource,
    import_allocations,
    list_benefit_types,
    list_resources,
)
from hamkke_client.api.attachments import create_attachment
from hamkke_client.api.auth import create_token, get_me
from hamkke_client.api.cases import create_case, list_case_timeline
from hamkke_client.api.persons import create_person
from hamkke_client.models import (
    AttachmentKindDto,
    CaseTypeDto,
    CreateAttachmentBody,
    DeliverRequest,
    ProofKindDto,
    ProofRequest,
    SubjectTypeDto,
    CategoryDto,
    CreateAllocationRequest,
    CreateCaseRequest,
    CreatePersonRequest,
    CreateResourceRequest,
    ImportAllocationsBody,
    Problem,
    RiskLevelDto,
    SourceDto,
    TokenRequest,
)
from hamkke_client.types import File, Response


def ok(response: Response, *expected: int):
    """The parsed body of an expected response; a problem+json error otherwise ends the program."""
    if response.status_code in expected:
        return response.parsed
    problem = response.parsed
    if isinstance(problem, Problem):
        sys.exit(f"{problem.status} {problem.code}: {problem.detail}")
    sys.exit(f"unexpected {response.status_code}: {response.content[:200]!r}")


def demo_rrn(birth: datetime.date, sex: str) -> str:
    """A resident registration number for the birth date (random serial, demo only)."""
    digits = birth.strftime("%y%m%d") + sex + "".join(random.choice("0123456789") for _ in range(5))
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = (11 - sum(w * int(d) for w, d in zip(weights, digits)) % 11) % 10
    return f"{digits[:6]}-{digits[6:]}{check}"


base_url = os.environ.get("HAMKKE_URL", "http://127.0.0.1:8080")
token = ok(
    create_token.sync_detailed(
        client=Client(base_url=base_url),
        body=TokenRequest(
            username=os.environ.get("HAMKKE_USERNAME", "demo.dong"),
            password=os.environ["HAMKKE_PASSWORD"],
        ),
    ),
    200,
)
# Every read of personal data is audited with the declared purpose.
api = AuthenticatedClient(
    base_url=base_url, token=token.access_token, headers={"X-Access-Purpose": "case_management"}
)
me = ok(get_me.sync_detailed(client=api), 200)
print(f"logged in as {me.user.username} ({me.user.role.value}, {me.organization.name})")

birth = datetime.date(1951, 9, 2)
rrn = demo_rrn(birth, "1")
person = ok(
    create_person.sync_detailed(
        client=api,
        body=CreatePersonRequest(
            name="박영호", birth_date=birth, rrn=rrn, address="서울 마포구 아현동 1"
        ),
    ),
    201,
)
print(f"registered person {person.id} ({person.rrn_masked})")

case = ok(
    create_case.sync_detailed(
        client=api,
        body=CreateCaseRequest(
            person_id=person.id,
            case_type=CaseTypeDto.GENERAL,
            risk_level=RiskLevelDto.HIGH,
            source=SourceDto.OUTREACH,
            summary="고독사 위험 1인 가구, 겨울 난방 필요",
        ),
    ),
    201,
)
print(f"opened case {case.case_no}")

# Our organization's heating-oil resource, added to the catalogue on first use under the
# district's benefit type `heating_oil` (its duplicate policy: once per household per winter,
# counted with briquettes, whoever gives it). Other organizations' resources are listed too:
# we give only what we provide — ours, or one whose provider is whoever records it (none set).
resources = ok(list_resources.sync_detailed(client=api, category=CategoryDto.HEATING), 200)
ours = [r for r in resources.items if r.provider_org_id in (None, me.organization.id)]
if ours:
    resource = ours[0]
else:
    types = ok(list_benefit_types.sync_detailed(client=api, category=CategoryDto.HEATING), 200)
    heating_oil = next(t for t in types.items if t.code == "heating_oil")
    resource = ok(
        create_resource.sync_detailed(
            client=api,
            body=CreateResourceRequest.from_dict(
                {
                    "name": "연말 난방유",
                    "benefit_type_id": str(heating_oil.id),
                    "funding": "private_donation",
                    "unit": "드럼",
                }
            ),
        ),
        201,
    )

request = CreateAllocationRequest(
    resource_id=resource.id,
    person_id=person.id,
    case_id=case.id,
    quantity=1,
    granted_on=datetime.date.today(),
)
check = ok(check_allocation.sync_detailed(client=api, body=request), 200)
print(f"check: allowed={check.allowed} conflicts={len(check.conflicts)}")

recorded = create_allocation.sync_detailed(client=api, body=request)
if recorded.status_code == 409:
    print(f"blocked as a duplicate benefit: {recorded.parsed.detail}")
else:
    allocation = ok(recorded, 201, 202)
    print(f"recorded allocation {allocation.id}: {allocation.status.value}")
    if allocation.status.value in ("approved", "planned"):
        # The recipient signs on the tablet; the signature (a PNG) is the delivery's proof.
        signature = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        proof = ok(
            create_attachment.sync_detailed(
                client=api,
                body=CreateAttachmentBody(
                    subject_type=SubjectTypeDto.ALLOCATION,
                    subject_id=allocation.id,
                    kind=AttachmentKindDto.SIGNATURE,
                    file=File(payload=io.BytesIO(signature), file_name="signature.png", mime_type="image/png"),
                ),
            ),
            201,
        )
        delivered = ok(
            deliver_allocation.sync_detailed(
                allocation.id,
                client=api,
                body=DeliverRequest(proof=ProofRequest(kind=ProofKindDto.SIGNATURE, attachment_id=proof.id)),
            ),
            200,
        )
        print(f"delivered with a {delivered.delivery.proof_kind.value} ({proof.content_type}, {proof.size_bytes} bytes)")

timeline = ok(list_case_timeline.sync_detailed(case.id, client=api), 200)
print(f"timeline of {case.case_no}:")
for entry in timeline.items:
    print(f"  {entry.occurred_at.isoformat()}  {entry.kind}  {entry.data.to_dict()}")

# The year-end list as Korean Excel saves it (CP949, Korean headers), uploaded as multipart and
# checked without recording anything: the heating oil above is already in the ledger.
listing = f"주민등록번호,급여유형,수량,지급일\n{rrn},heating_oil,1,{datetime.date.today()}\n".encode("cp949")
report = ok(
    import_allocations.sync_detailed(
        client=api,
        body=ImportAllocationsBody(file=File(payload=io.BytesIO(listing), file_name="연말배분.csv", mime_type="text/csv")),
        dry_run=True,
    ),
    200,
)
print(
    f"import ({report.encoding}, dry run): {report.imported} to record, "
    f"{len(report.duplicates)} duplicate(s), {len(report.errors)} error(s)"
)
if report.encoding != "cp949" or report.imported + len(report.duplicates) != 1:
    sys.exit(f"the multipart import did not read the list: {[e.to_dict() for e in report.errors]}")
