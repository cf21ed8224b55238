"""Structured result metrics of an exemplar: key, label, unit, and whether decimals are allowed."""

from __future__ import annotations

from dataclasses import dataclass

from . import N_


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    decimal: bool = False


METRICS: tuple[Metric, ...] = (
    Metric("households", N_("Hộ dân được vận động"), N_("hộ")),
    Metric("money_million", N_("Kinh phí huy động"), N_("triệu đồng"), decimal=True),
    Metric("land_m2", N_("Đất hiến"), N_("m²"), decimal=True),
    Metric("road_km", N_("Đường làm mới, mở rộng"), N_("km"), decimal=True),
    Metric("person_days", N_("Ngày công đóng góp"), N_("ngày công")),
    Metric("households_out_of_poverty", N_("Hộ thoát nghèo"), N_("hộ")),
    Metric("trees", N_("Cây xanh trồng mới"), N_("cây")),
    Metric("participants", N_("Người tham gia"), N_("người")),
)

METRIC_KEYS = tuple(m.key for m in METRICS)
