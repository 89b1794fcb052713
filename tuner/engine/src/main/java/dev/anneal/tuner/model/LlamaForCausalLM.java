package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A LLaMA-family decoder with its language-modelling head (LLaMA 2/3, Mistral, Qwen2, TinyLlama,
 * SmolLM and the like): token embeddings, {@code num_hidden_layers} {@link LlamaDecoderLayer}s, a
 * final {@link RmsNorm} and an output head, tied to the embeddings or not.
 *
 * <p>The block tree mirrors the Hugging Face module tree, so {@link StateDict#of} gives the Hugging
 * Face tensor names ({@code model.embed_tokens.weight}, {@code
 * model.layers.N.self_attn.q_proj.weight}, {@code lm_head.weight}, ...).
 *
 * <p>Entry points: the DJL {@link #forward(ParameterStore, NDList, boolean) forward} ({@code
 * [batch, seq]} ids to {@code [batch, seq, vocab]} logits, positions from 0); {@link
 * #forward(ParameterStore, NDArray, NDArray, NDArray, boolean)} for training batches of packed
 * examples (per-token positions, attention within each example); and {@link CausalLm} for inference
 * with a {@link KvCache}. All computation is float32; every intermediate belongs to the manager of
 * the input ids, constants are long-lived arrays used as second operands (see docs/djl-facts.md,
 * memory scope, scalar use-after-free).
 */
public final class LlamaForCausalLM extends AbstractBlock implements CausalLm {

    /**
     * Positions covered by the causal mask computed once with the model (2,048 × 2,048 floats, 16
     * MiB at most); longer passes build theirs.
     */
    private static final int CAUSAL_MASK_TABLE = 2048;

    private static final float MASK_FILL = -Float.MAX_VALUE;

    private final LlamaConfig config;
    private final TokenEmbedding embedTokens;
    private final List<LlamaDecoderLayer> layers;
    private final RmsNorm norm;
    private final Linear lmHead;
    private final RotaryEmbedding rope;
    private final NDArray maskFill;
    private final NDArray causalMasks;
    private final ParameterStore inferenceStore;

    private LlamaForCausalLM(Builder builder) {
        super((byte) 1);
        this.config = builder.config;
        NDManager constants = builder.manager;
        this.rope = new RotaryEmbedding(config, constants);
        this.maskFill = constants.create(new float[] {MASK_FILL});
        this.causalMasks =
                causalMask(
                        constants,
                        0,
                        Math.min(config.maxPositionEmbeddings(), CAUSAL_MASK_TABLE),
                        maskFill);
        this.inferenceStore = new ParameterStore(constants, false);
        this.embedTokens =
                addChildBlock(
                        "model.embed_tokens",
                        new TokenEmbedding(config.vocabSize(), config.hiddenSize()));
        List<LlamaDecoderLayer> stack = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            stack.add(
                    addChildBlock(
                            "model.layers." + i,
                            new LlamaDecoderLayer(
                                    i, config, rope, builder.projections, constants)));
        }
        this.layers = List.copyOf(stack);
        this.norm =
                addChildBlock(
                        "model.norm",
                        new RmsNorm(config.hiddenSize(), config.rmsNormEps(), constants));
        this.lmHead =
                config.tieWordEmbeddings()
                        ? null
                        : addChildBlock(
                                "lm_head",
                                Linear.builder()
                                        .setUnits(config.vocabSize())
                                        .optBias(false)
                                        .build());
    }

    /** Creates a builder; {@code setConfig} and {@code setManager} are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    /**
     * The parameters of the base model by Hugging Face name with the shape each must have: what a
     * checkpoint has to provide. Adapter parameters, if any, are not listed.
     *
     * @return name to shape, in the order of the Hugging Face module tree (and {@link
     *     #stateDict()})
     */
    public Map<String, Shape> baseParameterShapes() {
        long hidden = config.hiddenSize();
        long queryWidth = (long) config.numAttentionHeads() * config.headDim();
        long keyValueWidth = (long) config.numKeyValueHeads() * config.headDim();
        long inner = config.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new Shape(config.vocabSize(), hidden));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String layer = "model.layers." + i + ".";
            projection(shapes, layer + "self_attn.q_proj", queryWidth, hidden, config.qkvBias());
            projection(shapes, layer + "self_attn.k_proj", keyValueWidth, hidden, config.qkvBias());
            projection(shapes, layer + "self_attn.v_proj", keyValueWidth, hidden, config.qkvBias());
            projection(shapes, layer + "self_attn.o_proj", hidden, queryWidth, config.outputBias());
            projection(shapes, layer + "mlp.gate_proj", inner, hidden, config.mlpBias());
            projection(shapes, layer + "mlp.up_proj", inner, hidden, config.mlpBias());
            projection(shapes, layer + "mlp.down_proj", hidden, inner, config.mlpBias());
            shapes.put(layer + "input_layernorm.weight", new Shape(hidden));
            shapes.put(layer + "post_attention_layernorm.weight", new Shape(hidden));
        }
        shapes.put("model.norm.weight", new Shape(hidden));
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(config.vocabSize(), hidden));
        }
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * Every parameter, base and adapter, by its Hugging Face-style dotted name.
     *
     * @return name to parameter
     */
    public Map<String, Parameter> stateDict() {
        return StateDict.of(this);
    }

    /**
     * Runs the decoder.
     *
     * @param ps where parameter values come from
     * @param inputIds {@code [batch, seq]} int64
     * @param cache the cache to read and extend, or {@code null} to start at position 0
     * @param training whether autograd records the pass
     * @param lastOnly whether to compute the logits of the last position only
     * @return {@code [batch, seq, vocab]}, or {@code [batch, vocab]} when {@code lastOnly}
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            KvCache cache,
            boolean training,
            boolean lastOnly) {
        if (training && cache != null) {
            throw new IllegalArgumentException("The KV cache is for inference, not training");
        }
        long seq = inputIds.getShape().get(1);
        long past = cache == null ? 0 : cache.length();
        requireWithinSlidingWindow(past + seq);
        NDManager manager = inputIds.getManager();
        RotaryEmbedding.Angles angles = rope.angles(manager, past, seq);
        NDArray mask = seq > 1 ? causalMask(manager, past, seq) : null;
        NDArray h = decode(ps, inputIds, angles, mask, cache, training);
        if (cache != null) {
            cache.advance(seq);
        }
        if (lastOnly) {
            h = h.get(manager, new NDIndex(":, {}", seq - 1));
        }
        return head(ps, h, training);
    }

    /**
     * One decoding step of several sequences at once, each at its own position with its own cache
     * (continuous batching): the embeddings, every projection, the feed-forward blocks and the
     * output head run once for the whole batch; attention once per {@link KvSlots} the rows' caches
     * share (so caches taken from one {@link KvSlots} batch best). Each row gets the logits it
     * would get alone, up to the rounding of batched products. For inference only.
     *
     * @param ps where parameter values come from (a store may choose per-row adapters)
     * @param inputIds {@code [rows, 1]} int64, each row's next token
     * @param caches each row's cache, in row order, of batch size 1; each advances by one token
     * @return the next-token logits, {@code [rows, vocab]}
     */
    public NDArray forwardRows(ParameterStore ps, NDArray inputIds, List<KvCache> caches) {
        long rows = inputIds.getShape().get(0);
        if (inputIds.getShape().dimension() != 2
                || inputIds.getShape().get(1) != 1
                || caches.size() != rows) {
            throw new IllegalArgumentException(
                    "Expected [rows, 1] ids and one cache per row, got "
                            + inputIds.getShape()
                            + " and "
                            + caches.size()
                            + " caches");
        }
        long[] positions = new long[(int) rows];
        for (int row = 0; row < rows; row++) {
            positions[row] = caches.get(row).length();
            requireWithinSlidingWindow(positions[row] + 1);
        }
        NDManager manager = inputIds.getManager();
        RotaryEmbedding.Angles angles = rope.angles(manager.create(positions, new Shape(rows, 1)));
        KvRows planned = new KvRows(caches, MASK_FILL, manager);
        NDArray h = embedTokens.forward(ps, inputIds, false);
        for (LlamaDecoderLayer layer : layers) {
            h = layer.forwardRows(ps, h, angles, planned);
        }
        planned.advance();
        return head(ps, h, false).reshape(rows, -1);
    }

    /**
     * Runs the decoder over a training batch whose rows may each hold several packed examples.
     *
     * <p>With {@code segmentIds}, a token attends only to itself and the earlier tokens of its own
     * segment, so packed examples do not see each other: attention runs once per example ({@link
     * PackedSpans}), which equals a block-diagonal causal mask over the row at a fraction of its
     * scores, or over whole rows with that mask where rows are short ({@link
     * PackedSpans#perExampleCheaper()}); with {@code positionIds}, rotary positions restart for
     * each example. Both {@code null} is the plain causal forward, positions {@code 0..seq-1}.
     *
     * @param ps where parameter values come from
     * @param inputIds {@code [batch, seq]} int64
     * @param positionIds {@code [batch, seq]} int64, each token's position within its example, or
     *     {@code null} for {@code 0..seq-1}
     * @param segmentIds {@code [batch, seq]} int64, the example each token belongs to (each example
     *     a run of consecutive positions; padding at a row's end a run of its own), or {@code null}
     *     when each row is one example
     * @param training whether autograd records the pass
     * @return {@code [batch, seq, vocab]}
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray positionIds,
            NDArray segmentIds,
            boolean training) {
        return forward(ps, inputIds, positionIds, segmentIds, training, PackedAttention.CHEAPEST);
    }

    /** How packed rows attend: the same result every way, at different costs. */
    enum PackedAttention {
        /** Whichever of the other two {@link PackedSpans#perExampleCheaper()} picks. */
        CHEAPEST,
        /** Once per example's run of positions. */
        PER_EXAMPLE,
        /** Once per layer over whole rows, with a block-diagonal causal mask. */
        WHOLE_ROWS
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, NDArray, boolean)}, attending {@code how}.
     */
    NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray positionIds,
            NDArray segmentIds,
            boolean training,
            PackedAttention how) {
        long seq = inputIds.getShape().get(1);
        requireWithinSlidingWindow(seq);
        NDManager manager = inputIds.getManager();
        RotaryEmbedding.Angles angles =
                positionIds == null ? rope.angles(manager, 0, seq) : rope.angles(positionIds);
        if (segmentIds != null) {
            PackedSpans spans =
                    new PackedSpans(
                            segmentIds.toLongArray(),
                            Math.toIntExact(inputIds.getShape().get(0)),
                            Math.toIntExact(seq),
                            length -> causalMask(manager, 0, length));
            if (spans.anyRowSplit()) {
                boolean perExample =
                        how == PackedAttention.CHEAPEST
                                ? spans.perExampleCheaper()
                                : how == PackedAttention.PER_EXAMPLE;
                return perExample
                        ? forwardPerExample(ps, inputIds, angles, spans, training)
                        : forwardWholeRows(ps, inputIds, angles, segmentIds, training);
            }
        }
        NDArray mask = seq > 1 ? causalMask(manager, 0, seq) : null;
        return head(ps, decode(ps, inputIds, angles, mask, null, training), training);
    }

    /** Packed rows, attention once per example's run of positions. */
    private NDArray forwardPerExample(
            ParameterStore ps,
            NDArray inputIds,
            RotaryEmbedding.Angles angles,
            PackedSpans spans,
            boolean training) {
        NDArray h = embedTokens.forward(ps, inputIds, training);
        for (LlamaDecoderLayer layer : layers) {
            h = layer.forwardPacked(ps, h, angles, spans, training);
        }
        return head(ps, h, training);
    }

    /** Packed rows, attention once per layer over whole rows with a block-diagonal mask. */
    private NDArray forwardWholeRows(
            ParameterStore ps,
            NDArray inputIds,
            RotaryEmbedding.Angles angles,
            NDArray segmentIds,
            boolean training) {
        NDArray mask = packedCausalMask(segmentIds, maskFill);
        return head(ps, decode(ps, inputIds, angles, mask, null, training), training);
    }

    /**
     * Builds the additive mask of packed rows: a query may attend to a key only when both belong to
     * the same segment and the key is not in its future.
     *
     * @param segmentIds {@code [batch, seq]} int64
     * @param fill a {@code [1]} array holding the masking value
     * @return {@code [batch, 1, 1, seq, seq]}, broadcast over key/value groups and their queries
     */
    static NDArray packedCausalMask(NDArray segmentIds, NDArray fill) {
        NDManager manager = segmentIds.getManager();
        long batch = segmentIds.getShape().get(0);
        long seq = segmentIds.getShape().get(1);
        NDArray positions = manager.arange((int) seq);
        NDArray future = positions.reshape(1, seq).gt(positions.reshape(seq, 1));
        NDArray otherSegment =
                segmentIds.reshape(batch, seq, 1).neq(segmentIds.reshape(batch, 1, seq));
        NDArray blocked = otherSegment.logicalOr(future);
        return blocked.toType(DataType.FLOAT32, false).mul(fill).reshape(batch, 1, 1, seq, seq);
    }

    /** Embeddings and decoder layers: ids {@code [batch, seq]} to {@code [batch, seq, hidden]}. */
    private NDArray decode(
            ParameterStore ps,
            NDArray inputIds,
            RotaryEmbedding.Angles angles,
            NDArray mask,
            KvCache cache,
            boolean training) {
        NDArray h = embedTokens.forward(ps, inputIds, training);
        for (LlamaDecoderLayer layer : layers) {
            h = layer.forward(ps, h, angles, mask, cache, training);
        }
        return h;
    }

    /** Final norm and output head: {@code [..., hidden]} to {@code [..., vocab]}. */
    private NDArray head(ParameterStore ps, NDArray h, boolean training) {
        h = norm.forward(ps, h, training);
        if (lmHead == null) {
            NDArray table = ps.getValue(embedTokens.weight(), h.getDevice(), training);
            return Linear.linear(h, table).singletonOrThrow();
        }
        return LlamaDecoderLayer.project(lmHead, ps, h, training);
    }

    private void requireWithinSlidingWindow(long tokens) {
        if (config.slidingWindow() > 0 && tokens > config.slidingWindow()) {
            throw new IllegalArgumentException(
                    tokens
                            + " tokens exceed sliding_window "
                            + config.slidingWindow()
                            + ", which this implementation does not support");
        }
    }

    /**
     * {@link #forwardRows(ParameterStore, NDArray, List)} with the model's own weights.
     *
     * @param inputIds {@code [rows, 1]} int64, each row's next token
     * @param caches each row's cache, in row order, of batch size 1; each advances by one token
     * @return the next-token logits, {@code [rows, vocab]}
     */
    public NDArray lastLogitsOfRows(NDArray inputIds, List<KvCache> caches) {
        return forwardRows(inferenceStore, inputIds, caches);
    }

    @Override
    public NDArray logits(NDArray inputIds, KvCache cache) {
        return forward(inferenceStore, inputIds, cache, false, false);
    }

    @Override
    public NDArray lastLogits(NDArray inputIds, KvCache cache) {
        return forward(inferenceStore, inputIds, cache, false, true);
    }

    @Override
    public KvCache newKvCache(NDManager manager, int batchSize, int capacity) {
        return new KvCache(manager, config, batchSize, capacity);
    }

    /**
     * The additive causal mask of {@code seq} new tokens after {@code past} cached ones: a view of
     * the precomputed table when it reaches that far, built afresh otherwise.
     *
     * @return {@code [seq, past + seq]}
     */
    private NDArray causalMask(NDManager manager, long past, long seq) {
        long end = past + seq;
        if (end <= causalMasks.getShape().get(0)) {
            return causalMasks.get(manager, new NDIndex("{}:{}, :{}", past, end, end));
        }
        return causalMask(manager, past, seq, maskFill);
    }

    /**
     * Builds the additive causal mask of {@code seq} new tokens after {@code past} cached ones: 0
     * where a query may attend to a key, the most negative float where the key is in its future.
     *
     * @param manager the manager of the current step
     * @param past tokens already cached
     * @param seq new tokens
     * @param fill a {@code [1]} array holding the masking value, or {@code null} for a fresh one
     * @return {@code [seq, past + seq]}
     */
    static NDArray causalMask(NDManager manager, long past, long seq, NDArray fill) {
        int end = Math.toIntExact(past + seq);
        NDArray queries = manager.arange((int) past, end).reshape(seq, 1);
        NDArray keys = manager.arange(0, end).reshape(1, end);
        NDArray future = keys.gt(queries).toType(DataType.FLOAT32, false);
        return fill == null
                ? future.mul(manager.create(new float[] {-Float.MAX_VALUE}))
                : future.mul(fill);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.head(), null, training, false));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config.vocabSize())};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = new Shape(1, 1);
        Shape hidden = new Shape(1, 1, config.hiddenSize());
        embedTokens.initialize(manager, dataType, ids);
        for (LlamaDecoderLayer layer : layers) {
            layer.initialize(manager, dataType, hidden);
        }
        norm.initialize(manager, dataType, hidden);
        if (lmHead != null) {
            lmHead.initialize(manager, dataType, hidden);
        }
    }

    private static void projection(
            Map<String, Shape> shapes, String module, long out, long in, boolean bias) {
        shapes.put(module + ".weight", new Shape(out, in));
        if (bias) {
            shapes.put(module + ".bias", new Shape(out));
        }
    }

    /** Builds a {@link LlamaForCausalLM}; {@code setX} is required, {@code optX} optional. */
    public static final class Builder {

        private LlamaConfig config;
        private NDManager manager;
        private ProjectionFactory projections = ProjectionFactory.LINEAR;

        private Builder() {}

        /**
         * Sets the configuration.
         *
         * @param config the model's configuration
         * @return this builder
         */
        public Builder setConfig(LlamaConfig config) {
            this.config = config;
            return this;
        }

        /**
         * Sets the manager owning the model's constants (rotary tables, scalars); weights are
         * usually loaded into the same manager.
         *
         * @param manager a manager that lives as long as the model
         * @return this builder
         */
        public Builder setManager(NDManager manager) {
            this.manager = manager;
            return this;
        }

        /**
         * Sets the factory of the q,k,v,o,gate,up,down projections; plain linear by default.
         *
         * @param projections the factory, e.g. one that adds LoRA adapters
         * @return this builder
         */
        public Builder optProjections(ProjectionFactory projections) {
            this.projections = projections;
            return this;
        }

        /**
         * Builds the model, its parameters still without values.
         *
         * @return the model
         */
        public LlamaForCausalLM build() {
            Objects.requireNonNull(config, "setConfig is required");
            Objects.requireNonNull(manager, "setManager is required");
            Objects.requireNonNull(projections, "optProjections must not be null");
            return new LlamaForCausalLM(this);
        }
    }
}
