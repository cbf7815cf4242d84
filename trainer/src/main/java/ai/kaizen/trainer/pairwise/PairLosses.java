package ai.kaizen.trainer.pairwise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/** The log-sigmoid both preference losses are built from, differentiable and in plain Java. */
public final class PairLosses {

    private PairLosses() {}

    /**
     * {@code log(sigmoid(x))} without overflow for large {@code |x|}: the second column of a
     * log-softmax over {@code [0, x]}, which PyTorch computes stably (and with no Java-backed
     * scalar in the autograd graph).
     *
     * @param x any shape, float32
     * @return the same shape
     */
    public static NDArray logSigmoid(NDArray x) {
        NDArray zeros = x.getManager().zeros(x.getShape(), x.getDataType());
        return NDArrays.stack(new NDList(zeros, x), -1).logSoftmax(-1).get(new NDIndex("..., 1"));
    }

    /**
     * @param x a number
     * @return {@code log(sigmoid(x))}, stable for large {@code |x|}
     */
    public static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }
}
