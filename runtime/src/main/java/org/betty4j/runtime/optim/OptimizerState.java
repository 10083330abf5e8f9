package org.betty4j.runtime.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/** Writing and reading the state arrays of the runtime's optimizers, bit-exactly. */
final class OptimizerState {

    private OptimizerState() {}

    static void writeArrays(DataOutputStream out, List<NDArray> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (NDArray a : arrays) {
            byte[] encoded = a.encode();
            out.writeInt(encoded.length);
            out.write(encoded);
        }
    }

    static void readArrays(DataInputStream in, NDManager manager, List<NDArray> into) throws IOException {
        int n = in.readInt();
        into.clear();
        for (int i = 0; i < n; i++) {
            byte[] encoded = new byte[in.readInt()];
            in.readFully(encoded);
            into.add(manager.decode(encoded));
        }
    }
}
