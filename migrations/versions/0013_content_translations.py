"""Content in every language: a translations column on questions, quizzes, path slots,
role-play scenarios, script turns and rubrics (the Translated mixin); scenario titles move from
`title_zh` into it; scenario attachments say which language they are written in; a scripted
chat reply records the script turn it answered (a fallback reply does not advance the script);
notifications keep their text in every language (the list shows the reader's); 360 cycle
titles may have other languages

Revision ID: contentlang0012
Revises: seal0012
Create Date: 2026-12-05 03:40:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'contentlang0012'
down_revision = 'seal0012'
branch_labels = None
depends_on = None

TABLES = ('question_version', 'quiz', 'assessment_slot', 'roleplay_scenario',
          'roleplay_script_turn', 'roleplay_rubric', 'roleplay_criterion',
          'roleplay_criterion_level', 'notification', 'review360_cycle')
ZH = 'zh_Hans_CN'


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False,
                                          server_default='{}'))
    with op.batch_alter_table('roleplay_scenario_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=20), nullable=True))
    with op.batch_alter_table('roleplay_chat_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('script_turn', sa.Integer(), nullable=True))
    bind = op.get_bind()
    scenario = sa.table('roleplay_scenario', sa.column('id', sa.Integer),
                        sa.column('title_zh', sa.String), sa.column('translations', sa.JSON))
    for row_id, title_zh in bind.execute(sa.select(scenario.c.id, scenario.c.title_zh)).all():
        if title_zh:
            bind.execute(scenario.update().where(scenario.c.id == row_id)
                         .values(translations={ZH: {'title': title_zh}}))
    with op.batch_alter_table('roleplay_scenario', schema=None) as batch_op:
        batch_op.drop_column('title_zh')


def downgrade():
    with op.batch_alter_table('roleplay_scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_zh', sa.String(length=200), nullable=False,
                                      server_default=''))
    bind = op.get_bind()
    scenario = sa.table('roleplay_scenario', sa.column('id', sa.Integer),
                        sa.column('title_zh', sa.String), sa.column('translations', sa.JSON))
    for row_id, translations in bind.execute(
            sa.select(scenario.c.id, scenario.c.translations)).all():
        if isinstance(translations, str):
            translations = json.loads(translations)
        title = ((translations or {}).get(ZH) or {}).get('title')
        if title:
            bind.execute(scenario.update().where(scenario.c.id == row_id)
                         .values(title_zh=title[:200]))
    with op.batch_alter_table('roleplay_chat_message', schema=None) as batch_op:
        batch_op.drop_column('script_turn')
    with op.batch_alter_table('roleplay_scenario_attachment', schema=None) as batch_op:
        batch_op.drop_column('language')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
