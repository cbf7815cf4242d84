package ai.kaizen.model.llama;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the parts of one matrix product on all cores with microsecond hand-offs.
 *
 * <p>A decode step is about fifty matrix-vector products of a millisecond or less each, so an
 * executor's hand-off (tens of microseconds to wake a parked thread) would eat a visible share.
 * Here the caller and the worker threads claim parts from a shared counter: a worker that wakes
 * late (or is descheduled because other processes want the cores) simply finds fewer parts left,
 * and the caller never waits for a part nobody has started. Workers spin briefly for the next
 * product before parking.
 *
 * <p>One caller at a time uses the workers; a concurrent caller runs all parts itself.
 */
final class Parallel {

    /** One per JVM: the cores are shared by every model. */
    static final Parallel SHARED = new Parallel(Runtime.getRuntime().availableProcessors());

    /**
     * How long a caller that finished its parts spins for the workers' before parking. A part is
     * 0.1 to 1 ms of work, and a 20 us park sleeps 50 us or more on Linux (timer slack): parking
     * at once cost about 8% of a decode step at batch 1 and at batch 8.
     */
    private static final long CALLER_SPIN_NANOS = 200_000;

    /** How long an idle worker spins before parking. */
    private static final long WORKER_SPIN_NANOS = 50_000;

    /** Work on one part. */
    @FunctionalInterface
    interface PartTask {
        /**
         * @param slot which participant runs it: 0 for the caller, 1.. for workers (index of
         *     per-participant buffers)
         * @param part the part
         */
        void run(int slot, int part);
    }

    /** Serial calls made after a parallel call in which the caller mostly waited. */
    private static final int BACK_OFF_CALLS = 256;

    private final Worker[] workers;
    private final ReentrantLock owner = new ReentrantLock();
    /** Calls left to run serially because the workers were not getting CPU time (guarded by owner). */
    private int serialCalls;

    /** The job currently offered to the workers. */
    private volatile Job job;

    private static final class Job {
        final PartTask task;
        final int parts;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final Thread caller;
        volatile RuntimeException failure;

        Job(PartTask task, int parts, Thread caller) {
            this.task = task;
            this.parts = parts;
            this.caller = caller;
        }

        /** Claims and runs parts until none is left. */
        void work(int slot) {
            int p;
            while ((p = next.getAndIncrement()) < parts) {
                try {
                    task.run(slot, p);
                } catch (RuntimeException e) {
                    failure = e;
                } finally {
                    if (finished.incrementAndGet() == parts) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private Parallel(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** @return participants: the caller plus the workers */
    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} for every part in {@code [0, parts)} and returns when all are done.
     *
     * @param parts number of parts
     * @param task the work of one part
     */
    void run(int parts, PartTask task) {
        if (parts <= 1 || workers.length == 0 || !owner.tryLock()) {
            for (int p = 0; p < parts; p++) {
                task.run(0, p);
            }
            return;
        }
        try {
            if (serialCalls > 0) {
                serialCalls--;
                for (int p = 0; p < parts; p++) {
                    task.run(0, p);
                }
                return;
            }
            Job j = new Job(task, parts, Thread.currentThread());
            long start = System.nanoTime();
            job = j;
            for (Worker w : workers) {
                w.wake(j);
            }
            j.work(0);
            long ownDone = System.nanoTime();
            while (j.finished.get() < parts) {
                if (System.nanoTime() - ownDone > CALLER_SPIN_NANOS) {
                    LockSupport.parkNanos(this, 20_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            job = null;
            // When other processes hold the cores, a worker that claimed a part may be descheduled
            // and the caller idles until the scheduler runs it again (milliseconds). If the caller
            // waited that long, and twice as long as it worked, run serially for a while. (A part
            // in flight alone can keep the caller waiting up to a part's time, 0.1 to 0.8 ms: a
            // 0.2 ms threshold took that for descheduling and made decode steps serial for whole
            // seconds, a third slower.)
            long waited = System.nanoTime() - ownDone;
            if (waited > 1_000_000 && waited > 2 * (ownDone - start)) {
                serialCalls = BACK_OFF_CALLS;
            }
            if (j.failure != null) {
                throw j.failure;
            }
        } finally {
            owner.unlock();
        }
    }

    /** A daemon thread that helps with whatever job is offered. */
    private final class Worker extends Thread {
        private final int slot;
        private Job last;

        Worker(int slot) {
            super("kaizen-matmul-" + slot);
            this.slot = slot;
            setDaemon(true);
        }

        void wake(Job j) {
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                Job j = job;
                if (j == null || j == last) {
                    long start = System.nanoTime();
                    while (((j = job) == null || j == last) && System.nanoTime() - start < WORKER_SPIN_NANOS) {
                        Thread.onSpinWait();
                    }
                    if (j == null || j == last) {
                        LockSupport.park(this);
                        continue;
                    }
                }
                last = j;
                j.work(slot);
            }
        }
    }
}
