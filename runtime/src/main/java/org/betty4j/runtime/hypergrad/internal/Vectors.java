package org.betty4j.runtime.hypergrad.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** Vector arithmetic over parameter lists (a list of arrays is one long vector). */
public final class Vectors {

    private Vectors() {}

    /** The Euclidean norm of the concatenated list. */
    public static double norm(NDList v) {
        return Math.sqrt(dot(v, v));
    }

    public static double dot(NDList a, NDList b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            try (NDArray prod = a.get(i).mul(b.get(i)).sum()) {
                s += prod.toArray()[0].doubleValue();
            }
        }
        return s;
    }

    /** Elementwise {@code a + b}, new arrays in {@code a}'s managers. */
    public static NDList add(NDList a, NDList b) {
        NDList out = new NDList(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i).add(b.get(i)));
        }
        return out;
    }

    /** Elementwise {@code y + a·x}, new arrays in {@code y}'s managers. */
    public static NDList axpy(NDList y, double a, NDList x) {
        NDList out = new NDList(y.size());
        for (int i = 0; i < y.size(); i++) {
            try (NDArray ax = x.get(i).mul(a)) {
                out.add(y.get(i).add(ax));
            }
        }
        return out;
    }

    /** Elementwise {@code a·x}, new arrays in {@code x}'s managers. */
    public static NDList scale(NDList x, double a) {
        NDList out = new NDList(x.size());
        for (NDArray xi : x) {
            out.add(xi.mul(a));
        }
        return out;
    }

    /** Elementwise {@code -x}, new arrays in {@code x}'s managers. */
    public static NDList negate(NDList x) {
        NDList out = new NDList(x.size());
        for (NDArray xi : x) {
            out.add(xi.neg());
        }
        return out;
    }

    /** Detached copies in {@code manager}. */
    public static NDList copy(NDList a, NDManager manager) {
        NDList out = new NDList(a.size());
        for (NDArray x : a) {
            // the detached view lives in x's (long-lived) manager: close it at once
            try (NDArray view = x.stopGradient()) {
                NDArray c = view.duplicate();
                c.attach(manager);
                out.add(c);
            }
        }
        return out;
    }

    public static NDList zerosLike(NDList like, NDManager manager) {
        NDList out = new NDList(like.size());
        for (NDArray x : like) {
            out.add(manager.zeros(x.getShape(), x.getDataType()));
        }
        return out;
    }
}
