"""The RQ backend of Django's Tasks API as gridcare uses it (many machines, one Redis).

django-tasks-rq refuses tasks that set a priority, because RQ has none. gridcare gives one task a priority
(sign-in codes, `notifications.tasks.otp_send`) so that a customer waiting for a code is not queued behind a
bill run's deliveries: here a task above the default priority goes to the **front** of its queue, every other
one to the back, which is all RQ can do. Settings select it (`TASKS_BACKEND`, docs/deployment.md).
"""

from django_tasks.base import DEFAULT_TASK_PRIORITY, TASK_MAX_PRIORITY
from django_tasks_rq import RQBackend as _RQBackend


class RQBackend(_RQBackend):
    supports_priority = True

    def enqueue(self, task, args, kwargs):
        if task.priority > DEFAULT_TASK_PRIORITY and task.run_after is None:
            task = task.using(priority=TASK_MAX_PRIORITY)
        return super().enqueue(task, args, kwargs)
