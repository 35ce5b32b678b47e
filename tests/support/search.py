"""A programme to search: tasks about "dữ liệu", wildcard-like titles, two units' evidence
documents with the same number, and one account per role."""

from __future__ import annotations

import io
import re
from datetime import date

from support.assignments import PDF
from support.people import office
from support.units import hanoi_city, health_ministry, hue_province

HN_FOCAL = "dm.ha-noi@example.org"
HUE_FOCAL = "dm.hue@example.org"
DOC = "1738/KH-UBND"


def search_world(make) -> dict:
    """Return the ids of a small programme: Hà Nội and Huế share the data task, Huế alone
    has the report whose description speaks of data."""
    hanoi, hue, health = hanoi_city(make), hue_province(make), health_ministry(make)
    data = make.task(
        title="Xây dựng cơ sở dữ liệu dân cư",
        source_number="09/CT-TTg",
        source_date=date(2024, 3, 12),
        deadline=date(2024, 9, 30),
    )
    report = make.task(
        title="Báo cáo kết quả 6 tháng",
        description="Nêu rõ việc kết nối, chia sẻ dữ liệu với các bộ",
        deadline=date(2024, 7, 15),
    )
    percent = make.task(title="Tăng 50% hồ sơ trực tuyến", deadline=date(2024, 8, 1))
    hundreds = make.task(title="Tăng 500 dịch vụ công", deadline=date(2024, 8, 1))
    underscore = make.task(title="Triển khai mã a_b", deadline=date(2024, 8, 1))
    other = make.task(title="Triển khai mã axb", deadline=date(2024, 8, 1))
    given = {
        "hn_data": make.assignment(data, hanoi).id,
        "hue_data": make.assignment(data, hue).id,
        "hue_report": make.assignment(report, hue).id,
    }
    for task in (percent, hundreds, underscore, other):
        make.assignment(task, health)
    office(make, "admin", "coordinator", language="en")
    make.user("focal_point", email=HN_FOCAL, name="Nguyễn Thị Lan", unit_id=hanoi.id, language="en")
    make.user("focal_point", email=HUE_FOCAL, name="Trần Văn Huế", unit_id=hue.id, language="en")
    units = {"hanoi": hanoi.id, "hue": hue.id, "health": health.id}
    tasks = {
        "data": data.id,
        "report": report.id,
        "percent": percent.id,
        "hundreds": hundreds.id,
        "underscore": underscore.id,
        "other": other.id,
    }
    return units | tasks | given


def report_completion(client, login, assignment_id: int, email: str, doc_number: str = DOC):
    """Sign ``email`` in and report the assignment completed with evidence ``doc_number``
    through the form, as a focal point does."""
    login(email)
    answer = client.post(
        f"/assignments/{assignment_id}/submit",
        data={
            "version": "1",
            "doc_number": doc_number,
            "doc_date": "28/06/2024",
            "summary": "Kế hoạch triển khai",
            "files": [(io.BytesIO(PDF), "ke-hoach.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    client.post("/logout")


def section(html: str, group: str) -> str:
    """Return the list of one group's results on the search page ('' when absent)."""
    found = re.search(rf'data-testid="results-{group}">(.*?)</ul>', html, re.DOTALL)
    return found.group(1) if found else ""
