"""Short names of activity kinds, for the choice screen on a phone (the full names stay for summaries).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SHORT_NAMES = {
    "tuyen_truyen": ("Tuyên truyền chủ trương, chính sách", "Policy dissemination"),
    "thong_tin_doi_ngoai": ("Thông tin đối ngoại", "External information"),
    "giao_luu_huu_nghi": ("Giao lưu hữu nghị, kết nghĩa", "Friendship, twinning"),
    "doan_quoc_te": ("Tiếp đón, trao đổi đoàn", "Delegations"),
    "bien_gioi": ("Giao lưu biên giới", "Border exchange"),
    "nhan_dao_tu_thien": ("Nhân đạo, từ thiện", "Charity, aid"),
    "tap_huan": ("Tập huấn cán bộ", "Training"),
    "chu_quyen_du_luan": ("Chủ quyền biển đảo, dư luận", "Sovereignty, opinion"),
    "kieu_bao": ("Gặp mặt kiều bào", "Overseas Vietnamese"),
    "bieu_duong": ("Biểu dương, khen thưởng", "Commendation"),
    "khac": ("Hoạt động khác", "Other"),
}


def upgrade() -> None:
    with op.batch_alter_table("activity_kinds") as batch:
        batch.add_column(sa.Column("short_vi", sa.String(length=48), nullable=True))
        batch.add_column(sa.Column("short_en", sa.String(length=48), nullable=True))
    kinds = sa.table("activity_kinds", sa.column("code"), sa.column("short_vi"), sa.column("short_en"))
    for code, (short_vi, short_en) in SHORT_NAMES.items():
        op.execute(kinds.update().where(kinds.c.code == code).values(short_vi=short_vi, short_en=short_en))


def downgrade() -> None:
    with op.batch_alter_table("activity_kinds") as batch:
        batch.drop_column("short_en")
        batch.drop_column("short_vi")
