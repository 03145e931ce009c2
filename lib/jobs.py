"""The task queue's housekeeping: procrastinate, on the PostgreSQL the app already uses.

Workers run `manage.py procrastinate worker` (make worker; make run and make serve start one),
on as many machines as needed: they share the jobs table and take jobs with
`SELECT ... FOR UPDATE SKIP LOCKED`, woken by LISTEN/NOTIFY. Each worker writes a heartbeat;
`retry_stalled_jobs` hands the job of a worker that stopped beating (killed, machine lost) to
another worker, so a SIGKILL loses nothing.
"""

from django.conf import settings
from procrastinate.contrib.django import app


@app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@app.task(name="retry_stalled_jobs", queue="housekeeping", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Put back in the queue the jobs of workers that stopped beating (killed mid-job)."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.TASK_WORKER_DEAD_AFTER):
        await manager.retry_job(job)


@app.periodic(cron="17 3 * * *", periodic_id="remove_old_jobs")
@app.task(name="remove_old_jobs", queue="housekeeping", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Keep a fortnight of finished jobs for staff to look at; failed ones stay until dealt with."""
    await context.app.job_manager.delete_old_jobs(nb_hours=14 * 24, include_cancelled=True, include_aborted=True)
