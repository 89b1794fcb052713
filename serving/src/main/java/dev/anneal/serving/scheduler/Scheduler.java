package dev.anneal.serving.scheduler;

import ai.djl.ndarray.NDManager;
import dev.anneal.serving.KvCacheBudgetException;
import dev.anneal.serving.ServingOverloadedException;
import dev.anneal.tuner.generate.SequenceDecoder;
import dev.anneal.tuner.model.CausalLm;
import dev.anneal.tuner.model.DjlRuntime;
import dev.anneal.tuner.model.KvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Iteration-level scheduling over one resident base model (<a
 * href="https://www.usenix.org/conference/osdi22/presentation/yu">Orca</a>, vLLM): one engine
 * thread loops; each iteration drops the cancelled sequences, admits waiting ones while the
 * KV-cache budget has room (first come, first served), advances every running sequence by one step
 * (a prefill chunk of at most {@link SchedulerLimits#prefillChunk()} tokens, or one new token)
 * through one {@link BatchForward}, and retires the finished ones. Sequences thus join and leave
 * the running set at token boundaries.
 *
 * <p>Each sequence reserves its whole capacity (prompt plus most new tokens, rounded up to its
 * slot's size class: {@link KvSlotPool}) of the budget on admission and keeps its {@link KvCache}
 * in a slot of buffers shared with the sequences of its class, taken on the engine thread. A
 * sequence that needs more than the whole budget is refused at once; beyond {@link
 * SchedulerLimits#maxWaiting()} waiting sequences, submissions are refused as overloaded.
 *
 * <p>Each sampled token is timed on the engine thread for the {@link SchedulerObserver} given to
 * {@link #observe}: the first since the sequence's submission, each later one since the previous.
 *
 * <p>Threading: {@link #submit}, {@link #observe} and {@link Completion#cancel} may be called from
 * any thread; every forward pass, every sampling step, every listener and observer call runs on the
 * engine thread.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());
    private static final int RETRY_AFTER_SECONDS = 1;

    private final String modelId;
    private final SchedulerLimits limits;
    private final BatchForward forward;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final Thread engine;
    private volatile SchedulerObserver observer = SchedulerObserver.NONE;
    private KvSlotPool slots;
    private int kvInUse;
    private boolean closed;

    /**
     * Starts the engine thread.
     *
     * @param modelId the base model's id, for the thread's name and messages
     * @param limits the KV-cache budget, queue bound and prefill chunk
     * @param forward the forward pass of an iteration
     * @param threads libtorch intra-op threads of the engine thread, at least 1
     */
    public Scheduler(String modelId, SchedulerLimits limits, BatchForward forward, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.modelId = modelId;
        this.limits = limits;
        this.forward = forward;
        this.engine =
                new Thread(
                        () -> {
                            // inference only: no autograd graph on this thread
                            DjlRuntime.recordGradientsOnlyWhenAsked();
                            DjlRuntime.useIntraOpThreads(threads);
                            loop();
                        },
                        "anneal-serve-" + modelId);
        engine.setDaemon(true);
        engine.start();
    }

    /**
     * Queues a sequence. On refusal the lease is closed.
     *
     * @param decoder the sequence, its prompt not fed yet
     * @param model its model: the base, or its adapter's view
     * @param lease closed when the sequence leaves the scheduler (the adapter view), or {@code
     *     null}
     * @param listener hears its tokens and its end, on the engine thread
     * @return the handle to cancel it
     * @throws KvCacheBudgetException if it needs more KV cache than the whole budget
     * @throws ServingOverloadedException if the waiting queue is full
     */
    public Completion submit(
            SequenceDecoder decoder, CausalLm model, AutoCloseable lease, TokenListener listener) {
        Sequence sequence = new Sequence(decoder, model, lease, listener);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("The scheduler of " + modelId + " is closed");
            }
            if (decoder.capacity() > limits.kvCacheTokens()) {
                throw new KvCacheBudgetException(decoder.capacity(), limits.kvCacheTokens());
            }
            if (waiting.size() >= limits.maxWaiting() && !fitsNow(sequence.reserved)) {
                throw new ServingOverloadedException(modelId, waiting.size(), RETRY_AFTER_SECONDS);
            }
            waiting.addLast(sequence);
            work.signalAll();
            return sequence;
        } catch (RuntimeException e) {
            sequence.release();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends the pace of the sequences to {@code observer} from the next token on, in place of the
     * previous observer (none at first).
     */
    public void observe(SchedulerObserver observer) {
        this.observer = observer == null ? SchedulerObserver.NONE : observer;
    }

    /** The KV-cache budget, queue bound and prefill chunk this scheduler runs with. */
    public SchedulerLimits limits() {
        return limits;
    }

    /** Whether a sequence would be admitted at the next iteration without waiting. */
    private boolean fitsNow(int tokens) {
        return waiting.isEmpty() && kvInUse + tokens <= limits.kvCacheTokens();
    }

    /** A snapshot of the running and waiting sequences and the budget in use. */
    public SchedulerStats stats() {
        lock.lock();
        try {
            return new SchedulerStats(running.size(), waiting.size(), kvInUse);
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        try (NDManager manager = NDManager.newBaseManager();
                KvSlotPool pool = new KvSlotPool(manager, limits.kvCacheTokens())) {
            slots = pool;
            while (true) {
                List<Sequence> batch = nextBatch();
                if (batch == null) {
                    return;
                }
                step(batch, manager);
                retire(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drops cancelled sequences, admits waiting ones, and waits while there is nothing to run. */
    private List<Sequence> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    running.forEach(this::free);
                    running.clear();
                    return null;
                }
                running.removeIf(
                        s -> {
                            if (s.cancelled) {
                                free(s);
                            }
                            return s.cancelled;
                        });
                while (!waiting.isEmpty()
                        && kvInUse + waiting.peekFirst().reserved <= limits.kvCacheTokens()) {
                    Sequence admitted = waiting.pollFirst();
                    kvInUse += admitted.reserved;
                    running.add(admitted);
                }
                if (!running.isEmpty()) {
                    for (Sequence s : running) {
                        if (s.cache == null) {
                            s.cache = slots.acquire(s.model.config(), s.reserved);
                        }
                    }
                    return List.copyOf(running);
                }
                work.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** One iteration: a forward pass for every sequence, then a token for those ready to sample. */
    private void step(List<Sequence> batch, NDManager manager) {
        List<ForwardRow> rows = new ArrayList<>(batch.size());
        for (Sequence s : batch) {
            rows.add(new ForwardRow(s.model, s.cache, s.decoder.takeInput(limits.prefillChunk())));
        }
        List<float[]> logits;
        try {
            logits = forward.forward(rows, manager);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Forward pass failed on " + modelId, e);
            batch.forEach(s -> s.fail(e));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            if (s.cancelled || !s.decoder.readyToSample()) {
                continue;
            }
            try {
                SequenceDecoder.TokenStep token = s.decoder.advance(logits.get(i));
                timeToken(s);
                s.listener.onToken(token);
                if (token.finished()) {
                    s.listener.onFinish(s.decoder.result());
                }
            } catch (RuntimeException e) {
                s.fail(e);
            }
        }
    }

    /** Tells the observer how long a sequence's token took: since submission, or since the last. */
    private void timeToken(Sequence s) {
        long now = System.nanoTime();
        long since = now - s.lastToken;
        boolean first = !s.sampled;
        s.sampled = true;
        s.lastToken = now;
        try {
            if (first) {
                observer.firstToken(s.decoder.promptLength(), since);
            } else {
                observer.nextToken(since);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "A scheduler observer failed on " + modelId, e);
        }
    }

    /** Frees the sequences that finished or failed in this iteration. */
    private void retire(List<Sequence> batch) {
        lock.lock();
        try {
            for (Sequence s : batch) {
                if (s.failed || s.decoder.finished()) {
                    running.remove(s);
                    free(s);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a running sequence's budget, cache and lease; under the lock. */
    private void free(Sequence s) {
        kvInUse -= s.reserved;
        if (s.cache != null) {
            s.cache.close();
            s.cache = null;
        }
        s.release();
    }

    /** Stops the engine thread; running and waiting sequences are dropped without a word. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            waiting.forEach(Sequence::release);
            waiting.clear();
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            engine.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One sequence's state in the scheduler. */
    private final class Sequence implements Completion {

        private final SequenceDecoder decoder;
        private final CausalLm model;
        private final AutoCloseable lease;
        private final TokenListener listener;

        /** The KV-cache tokens its slot holds: its capacity rounded up to its class. */
        private final int reserved;

        private volatile boolean cancelled;
        private boolean failed;
        private KvCache cache;
        private boolean released;

        /** When it was submitted, then when its last token was sampled: {@link System#nanoTime}. */
        private long lastToken = System.nanoTime();

        /** Whether a token was sampled yet; engine thread only. */
        private boolean sampled;

        private Sequence(
                SequenceDecoder decoder,
                CausalLm model,
                AutoCloseable lease,
                TokenListener listener) {
            this.decoder = decoder;
            this.model = model;
            this.lease = lease;
            this.listener = listener;
            this.reserved =
                    KvSlotPool.slotTokens(
                            decoder.capacity(),
                            model.config().maxPositionEmbeddings(),
                            limits.kvCacheTokens());
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                cancelled = true;
                if (waiting.remove(this)) {
                    release();
                }
                work.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void fail(RuntimeException e) {
            failed = true;
            if (!cancelled) {
                listener.onError(e);
            }
        }

        private void release() {
            if (released || lease == null) {
                released = true;
                return;
            }
            released = true;
            try {
                lease.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Could not release a sequence's lease on " + modelId, e);
            }
        }
    }
}
