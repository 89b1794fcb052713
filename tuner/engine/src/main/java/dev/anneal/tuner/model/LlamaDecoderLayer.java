package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm decoder layer of the LLaMA family: {@code h = x + attn(norm(x))}, then {@code h +
 * mlp(norm(h))}.
 *
 * <p>Children named as in Hugging Face: {@code self_attn} ({@code q_proj, k_proj, v_proj, o_proj}),
 * {@code mlp} ({@code gate_proj, up_proj, down_proj}), {@code input_layernorm}, {@code
 * post_attention_layernorm}. Every projection comes from a {@link ProjectionFactory}, so that an
 * adapter can wrap any of them.
 */
public final class LlamaDecoderLayer extends AbstractBlock {

    private final int hiddenSize;
    private final RotaryEmbedding rope;
    private final Attention selfAttention;
    private final Mlp mlp;
    private final RmsNorm inputNorm;
    private final RmsNorm postAttentionNorm;

    /**
     * Creates the layer.
     *
     * @param index the layer's position, which picks its slot in a {@link KvCache}
     * @param config the model's configuration
     * @param rope the rotary embedding shared by all layers
     * @param projections the factory of the linear projections
     * @param constants the manager owning the layer's constants for the model's whole life
     */
    public LlamaDecoderLayer(
            int index,
            LlamaConfig config,
            RotaryEmbedding rope,
            ProjectionFactory projections,
            NDManager constants) {
        super((byte) 1);
        this.hiddenSize = config.hiddenSize();
        this.rope = rope;
        String path = "model.layers." + index;
        this.selfAttention =
                addChildBlock(
                        "self_attn",
                        new Attention(index, path + ".self_attn", config, projections, constants));
        this.mlp = addChildBlock("mlp", new Mlp(path + ".mlp", config, projections));
        this.inputNorm =
                addChildBlock(
                        "input_layernorm",
                        new RmsNorm(config.hiddenSize(), config.rmsNormEps(), constants));
        this.postAttentionNorm =
                addChildBlock(
                        "post_attention_layernorm",
                        new RmsNorm(config.hiddenSize(), config.rmsNormEps(), constants));
    }

    /**
     * Runs the layer.
     *
     * @param ps where parameter values come from
     * @param x the residual stream {@code [batch, seq, hidden]}
     * @param angles the rotary angles of the {@code seq} positions
     * @param mask additive mask, causal {@code [seq, past + seq]} or per sequence {@code [batch, 1,
     *     1, seq, seq]}, or {@code null} when {@code seq} is 1
     * @param cache the cache to read and extend, or {@code null}
     * @param training whether autograd records the pass
     * @return the residual stream {@code [batch, seq, hidden]}
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray x,
            RotaryEmbedding.Angles angles,
            NDArray mask,
            KvCache cache,
            boolean training) {
        NDArray attended =
                selfAttention.forward(
                        ps, inputNorm.forward(ps, x, training), angles, mask, cache, training);
        return feedForward(ps, x.add(attended), training);
    }

    /**
     * Runs the layer over packed rows, attention within each example only.
     *
     * @param ps where parameter values come from
     * @param x the residual stream {@code [batch, seq, hidden]}
     * @param angles the rotary angles of each token's position in its example, {@code [batch, 1,
     *     seq, head_dim]}
     * @param spans the examples of each row
     * @param training whether autograd records the pass
     * @return the residual stream {@code [batch, seq, hidden]}
     */
    NDArray forwardPacked(
            ParameterStore ps,
            NDArray x,
            RotaryEmbedding.Angles angles,
            PackedSpans spans,
            boolean training) {
        NDArray attended =
                selfAttention.forwardPacked(
                        ps, inputNorm.forward(ps, x, training), angles, spans, training);
        return feedForward(ps, x.add(attended), training);
    }

    /**
     * Runs the layer for one new token of each of several sequences, each with its own cache: the
     * projections and the feed-forward block run once for the whole batch, attention once per
     * buffer the rows' caches share ({@link KvRows}). For inference only.
     *
     * @param ps where parameter values come from
     * @param x the residual stream {@code [rows, 1, hidden]}
     * @param angles the rotary angles of each row's position, {@code [rows, 1, 1, head_dim]}
     * @param caches the rows' caches, planned for this step
     * @return the residual stream {@code [rows, 1, hidden]}
     */
    NDArray forwardRows(
            ParameterStore ps, NDArray x, RotaryEmbedding.Angles angles, KvRows caches) {
        NDArray attended =
                selfAttention.forwardRows(ps, inputNorm.forward(ps, x, false), angles, caches);
        return feedForward(ps, x.add(attended), false);
    }

    private NDArray feedForward(ParameterStore ps, NDArray h, boolean training) {
        return h.add(mlp.forward(ps, postAttentionNorm.forward(ps, h, training), training));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long seq = x.getShape().get(1);
        NDManager manager = x.getManager();
        NDArray mask = seq > 1 ? LlamaForCausalLM.causalMask(manager, 0, seq, null) : null;
        return new NDList(forward(ps, x, rope.angles(manager, 0, seq), mask, null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(1, hiddenSize);
        inputNorm.initialize(manager, dataType, hidden);
        selfAttention.initialize(manager, dataType, hidden);
        postAttentionNorm.initialize(manager, dataType, hidden);
        mlp.initialize(manager, dataType, hidden);
    }

    /** Applies a projection block to {@code [..., in]}, giving {@code [..., out]}. */
    static NDArray project(Block projection, ParameterStore ps, NDArray x, boolean training) {
        return projection.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * Grouped-query self-attention (<a href="https://arxiv.org/abs/2305.13245">Ainslie et al.,
     * 2023</a>) with rotary positions and a causal mask.
     *
     * <p>Each key/value head serves {@code num_attention_heads / num_key_value_heads} consecutive
     * query heads. Instead of repeating keys and values, the query heads of a group are stacked
     * along the sequence axis, so that one batched product per group does the work.
     */
    static final class Attention extends AbstractBlock {

        private final LlamaConfig config;
        private final Block qProj;
        private final Block kProj;
        private final Block vProj;
        private final Block oProj;
        private final int layerIndex;
        private final NDArray scale;

        Attention(
                int layerIndex,
                String path,
                LlamaConfig config,
                ProjectionFactory projections,
                NDManager constants) {
            super((byte) 1);
            this.layerIndex = layerIndex;
            this.config = config;
            int hidden = config.hiddenSize();
            int queryWidth = config.numAttentionHeads() * config.headDim();
            int keyValueWidth = config.numKeyValueHeads() * config.headDim();
            boolean qkvBias = config.qkvBias();
            this.qProj =
                    addChildBlock(
                            "q_proj",
                            projections.create(path + ".q_proj", hidden, queryWidth, qkvBias));
            this.kProj =
                    addChildBlock(
                            "k_proj",
                            projections.create(path + ".k_proj", hidden, keyValueWidth, qkvBias));
            this.vProj =
                    addChildBlock(
                            "v_proj",
                            projections.create(path + ".v_proj", hidden, keyValueWidth, qkvBias));
            this.oProj =
                    addChildBlock(
                            "o_proj",
                            projections.create(
                                    path + ".o_proj", queryWidth, hidden, config.outputBias()));
            this.scale = constants.create(new float[] {(float) (1 / Math.sqrt(config.headDim()))});
        }

        /**
         * Attends.
         *
         * @param x normalised input {@code [batch, seq, hidden]}
         * @param mask additive mask {@code [seq, past + seq]} or {@code [batch, 1, 1, seq, seq]},
         *     or {@code null}
         * @return {@code [batch, seq, hidden]}
         */
        NDArray forward(
                ParameterStore ps,
                NDArray x,
                RotaryEmbedding.Angles angles,
                NDArray mask,
                KvCache cache,
                boolean training) {
            long batch = x.getShape().get(0);
            long seq = x.getShape().get(1);
            NDArray q = splitHeads(project(qProj, ps, x, training), batch, seq, heads());
            NDArray k = splitHeads(project(kProj, ps, x, training), batch, seq, groups());
            NDArray v = splitHeads(project(vProj, ps, x, training), batch, seq, groups());
            q = RotaryEmbedding.rotate(q, angles);
            k = RotaryEmbedding.rotate(k, angles);
            if (cache != null) {
                NDArray[] all = cache.update(layerIndex, k, v);
                k = all[0];
                v = all[1];
            }
            return project(oProj, ps, attend(q, k, v, mask), training);
        }

        /**
         * Attends within each example of packed rows ({@link PackedSpans}).
         *
         * @param x normalised input {@code [batch, seq, hidden]}
         * @param angles {@code [batch, 1, seq, head_dim]}
         * @param spans the examples of each row
         * @return {@code [batch, seq, hidden]}
         */
        NDArray forwardPacked(
                ParameterStore ps,
                NDArray x,
                RotaryEmbedding.Angles angles,
                PackedSpans spans,
                boolean training) {
            long batch = x.getShape().get(0);
            long seq = x.getShape().get(1);
            NDArray q = splitHeads(project(qProj, ps, x, training), batch, seq, heads());
            NDArray k = splitHeads(project(kProj, ps, x, training), batch, seq, groups());
            NDArray v = splitHeads(project(vProj, ps, x, training), batch, seq, groups());
            q = RotaryEmbedding.rotate(q, angles);
            k = RotaryEmbedding.rotate(k, angles);
            return project(oProj, ps, spans.attend(q, k, v, this::attend), training);
        }

        /**
         * Attends for one new token per row, each row over its own cache (rows hold different
         * numbers of tokens: {@link KvRows} masks each row's keys).
         *
         * @param x normalised input {@code [rows, 1, hidden]}
         * @param angles {@code [rows, 1, 1, head_dim]}
         * @param caches the rows' caches, planned for this step
         * @return {@code [rows, 1, hidden]}
         */
        NDArray forwardRows(
                ParameterStore ps, NDArray x, RotaryEmbedding.Angles angles, KvRows caches) {
            long rows = x.getShape().get(0);
            NDArray q = splitHeads(project(qProj, ps, x, false), rows, 1, heads());
            NDArray k = splitHeads(project(kProj, ps, x, false), rows, 1, groups());
            NDArray v = splitHeads(project(vProj, ps, x, false), rows, 1, groups());
            NDArray contexts =
                    caches.attend(
                            layerIndex,
                            this::attendScaled,
                            RotaryEmbedding.rotate(q, angles).mul(scale),
                            RotaryEmbedding.rotate(k, angles),
                            v);
            // [rows, heads, 1, head_dim] is [rows, 1, heads * head_dim] in memory
            return project(oProj, ps, contexts.reshape(rows, 1, (long) heads() * headDim()), false);
        }

        /**
         * Scaled dot-product attention of rotated queries over keys and values.
         *
         * @param q {@code [batch, heads, seq, head_dim]}
         * @param k {@code [batch, kv_heads, keys, head_dim]}
         * @param v {@code [batch, kv_heads, keys, head_dim]}
         * @param mask additive mask {@code [seq, keys]} or {@code [batch, 1, 1, seq, seq]}, or
         *     {@code null}
         * @return the heads merged, {@code [batch, seq, heads * head_dim]}
         */
        private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
            long batch = q.getShape().get(0);
            long seq = q.getShape().get(2);
            return attendScaled(q.mul(scale), k, v, mask)
                    .reshape(batch, heads(), seq, headDim())
                    .transpose(0, 2, 1, 3)
                    .reshape(batch, seq, (long) heads() * headDim());
        }

        /**
         * The attention products of queries already scaled by {@code 1 / sqrt(head_dim)}.
         *
         * @return the context of each query head, {@code [batch, kv_heads, queries_per_kv_head *
         *     seq, head_dim]}
         */
        private NDArray attendScaled(NDArray q, NDArray k, NDArray v, NDArray mask) {
            long batch = q.getShape().get(0);
            long seq = q.getShape().get(2);
            int groups = groups();
            int perGroup = config.queriesPerKeyValueHead();
            long keys = k.getShape().get(2);

            // [batch, groups, perGroup * seq, head_dim] x [batch, groups, head_dim, keys]
            NDArray scores =
                    q.reshape(batch, groups, perGroup * seq, headDim())
                            .matMul(k.transpose(0, 1, 3, 2));
            if (mask != null) {
                scores =
                        scores.reshape(batch, groups, perGroup, seq, keys)
                                .add(mask)
                                .reshape(batch, groups, perGroup * seq, keys);
            }
            return scores.softmax(3).matMul(v);
        }

        private int heads() {
            return config.numAttentionHeads();
        }

        private int groups() {
            return config.numKeyValueHeads();
        }

        private int headDim() {
            return config.headDim();
        }

        /** {@code [batch, seq, heads * head_dim]} to {@code [batch, heads, seq, head_dim]}. */
        private NDArray splitHeads(NDArray x, long batch, long seq, int heads) {
            return x.reshape(batch, seq, heads, config.headDim()).transpose(0, 2, 1, 3);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps,
                NDList inputs,
                boolean training,
                PairList<String, Object> params) {
            throw new UnsupportedOperationException("Run attention through its decoder layer");
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(
                NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape hidden = new Shape(1, config.hiddenSize());
            qProj.initialize(manager, dataType, hidden);
            kProj.initialize(manager, dataType, hidden);
            vProj.initialize(manager, dataType, hidden);
            oProj.initialize(
                    manager,
                    dataType,
                    new Shape(1, (long) config.numAttentionHeads() * config.headDim()));
        }
    }

    /**
     * The SwiGLU feed-forward block (<a href="https://arxiv.org/abs/2002.05202">Shazeer, 2020</a>):
     * {@code down(silu(gate(x)) * up(x))}.
     */
    static final class Mlp extends AbstractBlock {

        private final LlamaConfig config;
        private final Block gateProj;
        private final Block upProj;
        private final Block downProj;

        Mlp(String path, LlamaConfig config, ProjectionFactory projections) {
            super((byte) 1);
            this.config = config;
            int hidden = config.hiddenSize();
            int inner = config.intermediateSize();
            boolean bias = config.mlpBias();
            this.gateProj =
                    addChildBlock(
                            "gate_proj",
                            projections.create(path + ".gate_proj", hidden, inner, bias));
            this.upProj =
                    addChildBlock(
                            "up_proj", projections.create(path + ".up_proj", hidden, inner, bias));
            this.downProj =
                    addChildBlock(
                            "down_proj",
                            projections.create(path + ".down_proj", inner, hidden, bias));
        }

        /**
         * Applies the block.
         *
         * @param x {@code [batch, seq, hidden]}
         * @return {@code [batch, seq, hidden]}
         */
        NDArray forward(ParameterStore ps, NDArray x, boolean training) {
            NDArray gate = project(gateProj, ps, x, training);
            NDArray up = project(upProj, ps, x, training);
            NDArray activated = gate.mul(Activation.sigmoid(gate)).mul(up);
            return project(downProj, ps, activated, training);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps,
                NDList inputs,
                boolean training,
                PairList<String, Object> params) {
            return new NDList(forward(ps, inputs.singletonOrThrow(), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(
                NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape hidden = new Shape(1, config.hiddenSize());
            gateProj.initialize(manager, dataType, hidden);
            upProj.initialize(manager, dataType, hidden);
            downProj.initialize(manager, dataType, new Shape(1, config.intermediateSize()));
        }
    }
}
