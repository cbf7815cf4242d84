package ai.kaizen.server.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The serving model, swappable while it serves. Each generation holds a {@link Lease} on the model it started
 * with; {@link #swap} routes new leases to the new model at once, and closes the old one when its last lease is
 * returned, so that in-flight generations finish on the model they began with and its memory is then freed.
 */
public final class ModelSlot implements AutoCloseable {

    /** The right to use one model until {@link #close()}; close it exactly once. */
    public interface Lease extends AutoCloseable {
        ServingModel model();

        @Override
        void close();

        /** A lease on a model no slot manages (it is never closed by returning the lease). */
        static Lease unmanaged(ServingModel model) {
            return new Lease() {
                @Override
                public ServingModel model() {
                    return model;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ModelSlot.class);

    /** A model in the slot, with its count of leases; retired once swapped out, closed when retired and unleased. */
    private static final class Held {
        final ServingModel model;
        final AtomicInteger leases = new AtomicInteger();
        final AtomicBoolean retired = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();
        final CompletableFuture<Void> released = new CompletableFuture<>();

        Held(ServingModel model) {
            this.model = model;
        }

        void release() {
            if (leases.decrementAndGet() == 0 && retired.get()) {
                closeOnce();
            }
        }

        void retire() {
            retired.set(true);
            // Read after the write above: an acquirer that incremented before it read "not retired" is seen here.
            if (leases.get() == 0) {
                closeOnce();
            }
        }

        void closeOnce() {
            if (closed.compareAndSet(false, true)) {
                try {
                    model.close();
                    log.info("released model {}", model.version());
                    released.complete(null);
                } catch (RuntimeException e) {
                    released.completeExceptionally(e);
                }
            }
        }
    }

    private final AtomicReference<Held> current = new AtomicReference<>();

    public ModelSlot(Optional<ServingModel> initial) {
        initial.ifPresent(m -> current.set(new Held(m)));
    }

    /** The model new requests get now, if any (for labels and readiness; use {@link #acquire()} to run it). */
    public Optional<ServingModel> current() {
        Held held = current.get();
        return held == null ? Optional.empty() : Optional.of(held.model);
    }

    /** A lease on the current model, or empty when none is loaded. */
    public Optional<Lease> acquire() {
        while (true) {
            Held held = current.get();
            if (held == null) {
                return Optional.empty();
            }
            held.leases.incrementAndGet();
            if (!held.retired.get()) {
                AtomicBoolean returned = new AtomicBoolean();
                return Optional.of(new Lease() {
                    @Override
                    public ServingModel model() {
                        return held.model;
                    }

                    @Override
                    public void close() {
                        if (returned.compareAndSet(false, true)) {
                            held.release();
                        }
                    }
                });
            }
            // swapped out between the read and the increment: give it back and take the new one
            held.release();
        }
    }

    /**
     * Makes {@code next} the model of every new lease. Completes when the previous model (if any) has been closed,
     * after its in-flight leases were returned.
     */
    public CompletableFuture<Void> swap(ServingModel next) {
        Held previous = current.getAndSet(new Held(next));
        log.info("now serving model {}{}", next.version(),
                previous == null ? "" : " (was " + previous.model.version() + ")");
        if (previous == null) {
            return CompletableFuture.completedFuture(null);
        }
        previous.retire();
        return previous.released;
    }

    /**
     * Leaves the slot empty: new leases get nothing. Completes when the model it held (if any) has been closed, after
     * its in-flight leases were returned.
     */
    public CompletableFuture<Void> clear() {
        Held previous = current.getAndSet(null);
        if (previous == null) {
            return CompletableFuture.completedFuture(null);
        }
        log.info("model {} no longer answers", previous.model.version());
        previous.retire();
        return previous.released;
    }

    /** Generations holding a lease on the current model. */
    public int inFlight() {
        Held held = current.get();
        return held == null ? 0 : held.leases.get();
    }

    /** Closes the current model now (at shutdown, after model work has ended). */
    @Override
    public void close() {
        Held held = current.getAndSet(null);
        if (held != null) {
            held.retired.set(true);
            held.closeOnce();
        }
    }
}
