from django.db import models


class TaskRun(models.Model):
    """One run of a background task: what ran, under which release, when.

    The deploy tests count these rows: every task enqueued runs exactly once
    (``token`` names it), and ``release`` says which release's code ran it.
    """

    token = models.CharField(max_length=100, db_index=True)
    kind = models.CharField(max_length=20, default="task")
    release = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind} {self.token} ({self.release or 'no release'})"
