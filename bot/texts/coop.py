"""Reminders to co-operating units (đơn vị phối hợp) of a task another unit leads (Vietnamese)."""

from __future__ import annotations

COOP_NOTICE = (
    "🤝 Đơn vị phối hợp — nhiệm vụ [{code}] {title}\n"
    "Đơn vị chủ trì: {lead}. Hạn hoàn thành: {deadline}.\n"
    "Đề nghị {unit} gửi phần phối hợp cho {lead} trước {part_due} để kịp tổng hợp."
)
COOP_NOTICE_SHORT = (
    "🤝 Đơn vị phối hợp — nhiệm vụ [{code}] {title}\n"
    "Đơn vị chủ trì: {lead}. Hạn hoàn thành: {deadline}.\n"
    "Đề nghị {unit} gửi phần phối hợp cho {lead} sớm nhất có thể."
)
COOP_DUE = (
    "🤝 Hôm nay là hạn gửi phần phối hợp nhiệm vụ [{code}] {title} cho {lead} "
    "(trước {part_due}; hạn hoàn thành của nhiệm vụ: {deadline})."
)
