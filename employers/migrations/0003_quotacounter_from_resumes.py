# QuotaCounter moves from resumes to employers (the app that owns the limits).
# State only: the table resumes_quotacounter, created by resumes 0004, is kept as it is.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('employers', '0002_invitation'),
        ('resumes', '0004_quota_counters'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='QuotaCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('limit_name', models.CharField(max_length=24)),
                        ('subject', models.CharField(help_text='"recruiter:<uuid>" or "organization:<id>".', max_length=64)),
                        ('period', models.CharField(help_text='"2026-11-29" for a day, "2026-11" for a month.', max_length=16)),
                        ('used', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'resumes_quotacounter',
                        'constraints': [models.UniqueConstraint(fields=('limit_name', 'subject', 'period'), name='quota_counter_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
