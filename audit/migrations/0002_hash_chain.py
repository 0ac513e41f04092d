"""Turn the audit log into a hash chain: seq, prev_hash, hash, the chain head, daily digests.

Events written before this migration are chained in id order. The activity log
(searches, masked views) arrives here too: no chain, no lock.
"""

import django.utils.timezone
from django.db import migrations, models

from audit.chain import GENESIS_HASH, event_hash


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    previous, seq = GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("id").iterator():
        seq += 1
        event.seq, event.prev_hash = seq, previous
        event.hash = event_hash(event)
        # The append-only manager refuses `update`; this one-time backfill calls the plain QuerySet's.
        models.QuerySet.update(AuditEvent.objects.filter(pk=event.pk), seq=seq, prev_hash=previous, hash=event.hash)
        previous = event.hash
    AuditChainHead.objects.create(id=1, seq=seq, hash=previous)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(default=0)),
                ('hash', models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name='AuditDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(editable=False)),
                ('hash', models.CharField(editable=False, max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-seq']},
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='job_id',
            field=models.BigIntegerField(blank=True, editable=False, help_text='The job cited, if any.', null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(editable=False, help_text='Position in the chain, from 1.', null=True),
        ),
        migrations.CreateModel(
            name='ActivityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('search', 'Resume search'), ('view', 'Masked resume view')], max_length=8)),
                ('actor_id', models.UUIDField(db_index=True)),
                ('organization_id', models.BigIntegerField(db_index=True)),
                ('resume_id', models.UUIDField(blank=True, null=True)),
                ('filters', models.JSONField(blank=True, default=dict)),
                ('result_count', models.PositiveIntegerField(blank=True, null=True)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['organization_id', 'created_at'], name='activity_org_created_idx')],
            },
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(editable=False, help_text='Position in the chain, from 1.', unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(editable=False, max_length=64),
        ),
    ]
