"""Indexes for a full recomputation (bench/credit/README.md):

* the declared sizes (`engine.Scorer.sizes_sql`) are read from a partial index
  of the membership records alone (~2.5 % of the records), not from the
  scoring index's range of every record of a batch of subjects;
* the history of grades loses the foreign key's own index on `subject`: the
  (subject, at) index serves every lookup by subject, and a full
  recomputation appends a history row for every graded subject.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0003_scoring_index_includes_id"),
        ("registry", "0005_subject_id_name_key_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="creditrecord",
            index=models.Index(
                condition=models.Q(kind="membership.held"),
                fields=["subject", "day", "id", "tag", "retraction"],
                name="credit_record_sizes",
            ),
        ),
        migrations.AlterField(
            model_name="gradechange",
            name="subject",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE,
                related_name="grade_history", to="registry.subject",
            ),
        ),
    ]
