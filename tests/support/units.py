"""Real units, each made the one way every world makes it: its name, its kind and, where an
inactive unit is meant, ``active=False``. Extra fields (a code, a head's email) pass through.

``hanoi_hue_and_health_ministry`` is the world of units most pages are tested against.
"""

from __future__ import annotations

from typing import NamedTuple

from tracker.models import Unit, UnitKind

HANOI = "Thành phố Hà Nội"
HUE = "Tỉnh Thừa Thiên Huế"
DA_NANG = "Thành phố Đà Nẵng"
BA_RIA_VUNG_TAU = "Tỉnh Bà Rịa - Vũng Tàu"
LAO_CAI = "Tỉnh Lào Cai"
HA_GIANG = "Tỉnh Hà Giang"
CAO_BANG = "Tỉnh Cao Bằng"
HA_TAY = "Tỉnh Hà Tây"
HEALTH = "Bộ Y tế"
FINANCE = "Bộ Tài chính"


def hanoi_city(make, **fields) -> Unit:
    return make.unit(name=HANOI, kind=UnitKind.CITY, **fields)


def hue_province(make, **fields) -> Unit:
    return make.unit(name=HUE, **fields)


def da_nang_city(make, **fields) -> Unit:
    return make.unit(name=DA_NANG, kind=UnitKind.CITY, **fields)


def ba_ria_vung_tau_province(make, **fields) -> Unit:
    return make.unit(name=BA_RIA_VUNG_TAU, **fields)


def lao_cai_province(make, **fields) -> Unit:
    return make.unit(name=LAO_CAI, **fields)


def ha_giang_province(make, **fields) -> Unit:
    return make.unit(name=HA_GIANG, **fields)


def cao_bang_province(make, **fields) -> Unit:
    return make.unit(name=CAO_BANG, **fields)


def ha_tay_province(make, **fields) -> Unit:
    """Return Hà Tây, a province merged into Hà Nội in 2008: inactive."""
    return make.unit(name=HA_TAY, active=False, **fields)


def health_ministry(make, **fields) -> Unit:
    return make.unit(name=HEALTH, kind=UnitKind.MINISTRY, **fields)


def finance_ministry(make, **fields) -> Unit:
    return make.unit(name=FINANCE, kind=UnitKind.MINISTRY, **fields)


class HanoiHueAndHealth(NamedTuple):
    hanoi: Unit
    hue: Unit
    health: Unit


def hanoi_hue_and_health_ministry(make) -> HanoiHueAndHealth:
    """Return a city (Hà Nội), a province (Thừa Thiên Huế) and a ministry (Bộ Y tế): both
    groups and the three kinds pages tell apart, made in that order."""
    return HanoiHueAndHealth(hanoi_city(make), hue_province(make), health_ministry(make))
