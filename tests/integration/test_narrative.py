"""The narrative summary states the figures in the phrasing of the programme's reports."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from tracker.app import create_app
from tracker.domain.aggregate import Buckets
from tracker.domain.reports import CENTRAL, LOCAL, ProgrammeFigures, TaskFigures, UnitRef
from tracker.exports.narrative import compose_narrative, narrative_paragraphs

AS_OF = date(2024, 6, 30)
CATALOGUE = "Ban hành danh mục cơ sở dữ liệu dùng chung"
OPEN_DATA = "Xây dựng kế hoạch cung cấp dữ liệu mở"
FEES = "Ban hành chính sách giảm, miễn phí, lệ phí sử dụng dịch vụ công trực tuyến"
ONLINE = "Công bố danh mục thủ tục hành chính đủ điều kiện cung cấp dịch vụ công trực tuyến"
MISSING = (
    UnitRef(1, "BNG", "Bộ Ngoại giao", CENTRAL),
    UnitRef(2, "BYT", "Bộ Y tế", CENTRAL),
    UnitRef(3, "LCI", "Tỉnh Lào Cai", LOCAL),
)


@pytest.fixture(scope="module")
def app():
    """An app for gettext only: the narrative reads no database."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )


def _compose(app, language: str, figures: ProgrammeFigures, **options) -> str:
    with app.app_context(), force_locale(language):
        return compose_narrative(figures, **options)


def _task(title, central=None, local=None, *, missing=(), wording="Quý II/2024", due=AS_OF):
    by_group = {name: b for name, b in ((CENTRAL, central), (LOCAL, local)) if b is not None}
    return TaskFigures(1, title, due, wording, "data", True, by_group, missing)


def _figures(*tasks, ageing=None) -> ProgrammeFigures:
    return ProgrammeFigures(AS_OF, tasks, ageing or {})


def _task_paragraph(app, language, task, **options) -> str:
    return _compose(app, language, _figures(task), **options).split("\n\n")[-1]


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(
            _task(
                CATALOGUE,
                Buckets(total=23, completed_on_time=17, open_on_track=6),
                Buckets(total=63, completed_on_time=54, open_on_track=9),
            ),
            "17 bộ, ngành và 54/63 địa phương đã ban hành danh mục cơ sở dữ liệu dùng chung"
            " (thời hạn: Quý II/2024); còn 15 bộ, ngành, địa phương chưa hoàn thành.",
            id="seed catalogue",
        ),
        pytest.param(
            _task(
                OPEN_DATA,
                Buckets(total=23, completed_on_time=10, open_overdue=13),
                Buckets(
                    total=63,
                    completed_on_time=40,
                    completed_late=6,
                    open_overdue=17,
                    awaiting_confirmation=2,
                ),
                wording="tháng 6/2024",
            ),
            "10 bộ, ngành và 46/63 địa phương đã xây dựng kế hoạch cung cấp dữ liệu mở"
            " (thời hạn: tháng 6/2024); còn 30 bộ, ngành, địa phương chưa hoàn thành"
            " (trong đó 30 quá hạn, 2 chờ xác nhận).",
            id="seed open data, overdue",
        ),
        pytest.param(
            _task(FEES, local=Buckets(total=63, completed_on_time=58, completed_late=5)),
            "63/63 địa phương đã ban hành chính sách giảm, miễn phí, lệ phí sử dụng dịch vụ công"
            " trực tuyến (thời hạn: Quý II/2024).",
            id="all done",
        ),
        pytest.param(
            _task(
                ONLINE, Buckets(total=23, completed_on_time=14, completed_late=4, open_on_track=5)
            ),
            "18/23 bộ, ngành đã công bố danh mục thủ tục hành chính đủ điều kiện cung cấp dịch vụ"
            " công trực tuyến (thời hạn: Quý II/2024); còn 5 bộ, ngành chưa hoàn thành.",
            id="only central",
        ),
        pytest.param(
            _task(CATALOGUE, local=Buckets(total=63, open_on_track=63), wording=""),
            "Chưa có địa phương nào ban hành danh mục cơ sở dữ liệu dùng chung"
            " (thời hạn: 30/06/2024); còn 63 địa phương chưa hoàn thành.",
            id="zero done, deadline as a date",
        ),
        pytest.param(
            _task(
                CATALOGUE,
                Buckets(total=23, open_on_track=23),
                Buckets(total=63, completed_on_time=54, open_on_track=9),
            ),
            "0/23 bộ, ngành và 54/63 địa phương đã ban hành danh mục cơ sở dữ liệu dùng chung"
            " (thời hạn: Quý II/2024); còn 32 bộ, ngành, địa phương chưa hoàn thành.",
            id="no ministry yet",
        ),
        pytest.param(
            _task(
                "CSDL quốc gia về đất đai",
                Buckets(total=3, completed_on_time=1, open_on_track=1, not_applicable=1),
            ),
            "1/2 bộ, ngành đã hoàn thành nhiệm vụ “CSDL quốc gia về đất đai”"
            " (thời hạn: Quý II/2024); còn 1 bộ, ngành chưa hoàn thành.",
            id="title without a verb, not applicable left out",
        ),
        pytest.param(
            _task(CATALOGUE, local=Buckets(total=3, not_applicable=3)),
            "Không có đơn vị nào phải thực hiện nhiệm vụ “Ban hành danh mục cơ sở dữ liệu dùng"
            " chung”.",
            id="nothing applicable",
        ),
    ],
)
def test_task_paragraph_reads_like_the_seed_report(app, task, expected):
    assert _task_paragraph(app, "vi", task) == expected


def test_units_are_named_only_on_request(app):
    task = _task(
        CATALOGUE,
        Buckets(total=23, completed_on_time=21, open_on_track=2),
        Buckets(total=63, completed_on_time=62, open_on_track=1),
        missing=MISSING,
    )
    assert "Bộ Y tế" not in _task_paragraph(app, "vi", task)
    named = _task_paragraph(app, "vi", task, name_units=True)
    assert named.endswith(
        "còn 3 bộ, ngành, địa phương chưa hoàn thành, gồm: Bộ Ngoại giao, Bộ Y tế và Tỉnh Lào Cai."
    )
    english = _task_paragraph(app, "en", task, name_units=True)
    assert english.endswith(
        "3 ministries, agencies and provinces have not completed it yet,"
        " namely Bộ Ngoại giao, Bộ Y tế and Tỉnh Lào Cai."
    )


def test_unit_names_pass_through_untouched_in_plain_text(app):
    odd = UnitRef(9, "X", "<b>Sở & Ban</b>", LOCAL)
    task = _task(CATALOGUE, local=Buckets(total=1, open_on_track=1), missing=(odd,))
    assert _task_paragraph(app, "vi", task, name_units=True).endswith("gồm: <b>Sở & Ban</b>.")


def _seed_totals() -> ProgrammeFigures:
    """Assignments adding up to the Government Office's figures: 16.051 of 16.276 done."""
    central = Buckets(total=6000, completed_on_time=5000, completed_late=900, open_overdue=100)
    local = Buckets(
        total=10_500,
        completed_on_time=9068,
        completed_late=1083,
        open_overdue=125,
        open_on_track=224,
        awaiting_confirmation=30,
    )
    return _figures(_task(CATALOGUE, central, local), ageing={"1-7": 200, "8-30": 0, "90+": 25})


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "vi",
            "Tổng số lượt giao nhiệm vụ cho các đơn vị: 16.500, trong đó đã đến hạn 16.276."
            " Đã hoàn thành 16.051 (98,62%), trong đó đúng hạn 14.068, quá hạn 1.983;"
            " quá hạn chưa hoàn thành 225. Chưa hoàn thành nhưng còn trong hạn: 224."
            " Đã báo cáo hoàn thành, đang chờ xác nhận: 30. Số lượt quá hạn chưa hoàn thành"
            " phân theo thời gian quá hạn: từ 1 đến 7 ngày có 200 lượt; trên 90 ngày có 25 lượt.",
        ),
        (
            "en",
            "Assignments to units: 16,500; already due: 16,276."
            " Completed: 16,051 (98.62%), of which 14,068 on time and 1,983 late;"
            " overdue and not completed: 225. Open within the deadline: 224."
            " Reported completed and awaiting confirmation: 30."
            " Overdue and not completed, by days overdue: 1–7 days: 200; over 90 days: 25.",
        ),
    ],
)
def test_overall_paragraph_states_the_official_buckets(app, language, expected):
    paragraphs = _compose(app, language, _seed_totals()).split("\n\n")
    assert paragraphs[1] == expected


def test_nothing_due_yet_gives_no_rate_and_no_ageing(app):
    task = _task(CATALOGUE, local=Buckets(total=63, open_on_track=63))
    overall = _compose(app, "vi", _figures(task)).split("\n\n")[1]
    assert overall == (
        "Tổng số lượt giao nhiệm vụ cho các đơn vị: 63, chưa có lượt nào đến hạn."
        " Chưa hoàn thành nhưng còn trong hạn: 63."
    )


@pytest.mark.parametrize(
    ("language", "start", "heading"),
    [
        ("vi", None, "Kết quả thực hiện 2 nhiệm vụ tính đến ngày 30/06/2024"),
        (
            "vi",
            date(2024, 1, 1),
            "Kết quả thực hiện 2 nhiệm vụ từ ngày 01/01/2024 đến ngày 30/06/2024",
        ),
        ("en", None, "Progress of 2 tasks as of 30/06/2024"),
        ("en", date(2024, 1, 1), "Progress of 2 tasks from 01/01/2024 to 30/06/2024"),
    ],
    ids=["vi", "vi period", "en", "en period"],
)
def test_heading_states_the_period_and_the_date(app, language, start, heading):
    task = _task(FEES, local=Buckets(total=1, completed_on_time=1))
    text = _compose(app, language, _figures(task, task), period_start=start)
    assert text.split("\n\n")[0] == heading


def test_english_version_quotes_the_title_and_uses_english_plurals(app):
    task = _task(
        CATALOGUE,
        Buckets(total=23, completed_on_time=23),
        Buckets(total=63, completed_on_time=62, open_overdue=1),
    )
    assert _task_paragraph(app, "en", task) == (
        "23 ministries and agencies and 62/63 provinces have completed"
        " “Ban hành danh mục cơ sở dữ liệu dùng chung” (deadline: 30/06/2024);"
        " 1 province has not completed it yet (of which 1 overdue)."
    )
    heading = _compose(app, "en", _figures(task)).split("\n\n")[0]
    assert heading == "Progress of 1 task as of 30/06/2024"


def test_no_task_selected_says_so(app):
    assert _compose(app, "vi", _figures()) == (
        "Kết quả thực hiện 0 nhiệm vụ tính đến ngày 30/06/2024\n\n"
        "Không có nhiệm vụ nào thuộc phạm vi đã chọn."
    )


def test_paragraphs_are_the_composed_text_split(app):
    figures = _seed_totals()
    with app.app_context(), force_locale("vi"):
        paragraphs = narrative_paragraphs(figures, name_units=True)
        assert "\n\n".join(paragraphs) == compose_narrative(figures, name_units=True)
    assert len(paragraphs) == 3
    assert all(p and "\n" not in p for p in paragraphs)
