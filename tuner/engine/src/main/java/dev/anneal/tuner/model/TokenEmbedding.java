package dev.anneal.tuner.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A token embedding table: one parameter {@code weight} {@code [vocab, hidden]}, the Hugging Face
 * layout, which a tied output head reuses.
 *
 * <p>Input token ids {@code [batch, seq]} (int64), output {@code [batch, seq, hidden]}.
 */
public final class TokenEmbedding extends AbstractBlock {

    private final int vocabSize;
    private final int hiddenSize;
    private final Parameter weight;

    /**
     * Creates the block.
     *
     * @param vocabSize rows of the table
     * @param hiddenSize columns of the table
     */
    public TokenEmbedding(int vocabSize, int hiddenSize) {
        super((byte) 1);
        this.vocabSize = vocabSize;
        this.hiddenSize = hiddenSize;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .build());
    }

    /**
     * Looks the ids up.
     *
     * @param parameterStore where the table's value comes from
     * @param ids {@code [batch, seq]} int64
     * @param training whether autograd records the pass
     * @return {@code [batch, seq, hidden]}
     */
    public NDArray forward(ParameterStore parameterStore, NDArray ids, boolean training) {
        NDArray table = parameterStore.getValue(weight, ids.getDevice(), training);
        return ids.getNDArrayInternal()
                .embedding(ids, table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /**
     * The table, for an output head tied to the embeddings.
     *
     * @return the weight parameter, {@code [vocab, hidden]}
     */
    public Parameter weight() {
        return weight;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(forward(parameterStore, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(hiddenSize)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(vocabSize, hiddenSize));
    }
}
