# QuotaCounter moves to employers (employers 0002): forgotten here, its table kept.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('resumes', '0007_notification_params'),
        ('employers', '0003_quotacounter_from_resumes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='QuotaCounter')],
            database_operations=[],
        ),
    ]
