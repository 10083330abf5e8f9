package org.betty4j.runtime.problem;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;

/** Parameter lists from plain arrays, for problems whose parameters are not a DJL block. */
public final class ParameterLists {

    private ParameterLists() {}

    /**
     * Wraps arrays as trainable parameters, attaching gradients to each.
     *
     * @param namesAndArrays alternating {@code String name, NDArray array}
     */
    public static ParameterList of(Object... namesAndArrays) {
        if (namesAndArrays.length == 0 || namesAndArrays.length % 2 != 0) {
            throw new IllegalArgumentException("expected name, array pairs; got " + namesAndArrays.length + " values");
        }
        ParameterList list = new ParameterList();
        for (int i = 0; i < namesAndArrays.length; i += 2) {
            if (!(namesAndArrays[i] instanceof String name) || !(namesAndArrays[i + 1] instanceof NDArray array)) {
                throw new IllegalArgumentException("argument " + i + ": expected a String name followed by an NDArray");
            }
            array.setRequiresGradient(true);
            list.add(name, Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optArray(array).build());
        }
        return list;
    }
}
