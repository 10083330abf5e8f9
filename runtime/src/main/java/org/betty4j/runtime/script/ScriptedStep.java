package org.betty4j.runtime.script;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.betty4j.runtime.autograd.GradMode;
import org.betty4j.runtime.optim.UpdateRule;

/**
 * One training step of a problem as a single TorchScript call: the cost written by the user, its
 * gradient by {@code torch.autograd.grad}, the non-finite checks and the optimizer's update, in
 * place. A step made of small operations pays DJL's fixed cost per operation (~4 µs) and the
 * autograd facade's per call; here the whole step is one native call.
 *
 * <p>The call takes one list {@code args} = the problem's parameters, the other arrays its cost
 * reads, the batch's data then label arrays, then the optimizer's state arrays (state array k of
 * parameter i at {@code k·n + i}), and {@code h}, the rule's numbers for this update. It returns
 * the loss. The update is applied only when the loss, the gradients and the parameters are
 * finite (one sum of all of them is); otherwise nothing changes, the returned loss is NaN and the
 * caller repeats the step on its generic path, whose guard names the offending array.
 */
public final class ScriptedStep implements AutoCloseable {

    static final String CLASS_NAME = "BettyScriptedStep";
    private static final Pattern DEF = Pattern.compile("def\\s+cost\\s*\\((.*)\\)\\s*->\\s*Tensor\\s*:\\s*");
    private static final Pattern LINE = Pattern.compile("__torch__\\.py\"?(?:, line |:)(\\d+)");

    /** The graph executor setting DJL leaves in force (it sets the property's value before its own calls). */
    private static final boolean DJL_GRAPH_OPTIMIZER = System.getProperty("ai.djl.pytorch.graph_optimizer") == null
            || Boolean.getBoolean("ai.djl.pytorch.graph_optimizer");

    private final String problem;
    private final int params;
    private final int arguments;
    private final NDManager manager;
    private final PtSymbolBlock module;
    private final String code;
    /** The rule's numbers of the last step, as passed to the script. */
    private NDArray scalars;
    private float[] scalarValues;

    private ScriptedStep(String problem, int params, int arguments, NDManager manager, PtSymbolBlock module,
            String code) {
        this.problem = problem;
        this.params = params;
        this.arguments = arguments;
        this.manager = manager;
        this.module = module;
        this.code = code;
    }

    /**
     * Compiles the step of {@code problem}.
     *
     * @param costSource TorchScript {@code def cost(...) -> Tensor:} taking the parameters, the
     *     read arrays and the batch arrays, in that order
     * @param paramNames the problem's parameter names (for messages)
     * @param reads how many other arrays the cost reads
     * @param batchArrays how many arrays a batch holds (data then labels)
     * @param rule the optimizer's rule, with a {@linkplain UpdateRule#scriptSource() scripted form}
     * @throws IllegalArgumentException naming the problem and the line of its source that does not compile
     */
    public static ScriptedStep compile(String problem, String costSource, List<String> paramNames, int reads,
            int batchArrays, UpdateRule rule) {
        int n = paramNames.size();
        List<String> user = userLines(problem, costSource);
        int declared = declaredArguments(problem, user.get(0));
        int expected = n + reads + batchArrays;
        if (declared != expected) {
            throw new IllegalArgumentException(problem + ": its scripted cost takes " + declared + " arguments, but "
                    + "the step passes " + expected + ": its parameters " + paramNames + ", the " + reads
                    + " arrays of scriptedReads(), then the batch's " + batchArrays
                    + " arrays (data, then labels), in this order");
        }
        String ruleSource = rule.scriptSource();
        if (ruleSource == null) {
            throw new IllegalArgumentException(problem + ": update rule " + rule + " has no scripted form");
        }
        StringBuilder c = new StringBuilder();
        c.append("class ").append(CLASS_NAME).append("(Module):\n");
        c.append("  __parameters__ = []\n  __buffers__ = []\n  training : bool\n");
        int firstUserLine = lines(c) + 1;
        for (int i = 0; i < user.size(); i++) {
            String line = user.get(i);
            if (i == 0) {
                line = line.replaceFirst("cost\\s*\\(", "cost(self: __torch__." + CLASS_NAME + (expected > 0 ? ", " : ""));
            }
            c.append("  ").append(line).append('\n');
        }
        int lastUserLine = lines(c);
        c.append("  def update(self: __torch__.").append(CLASS_NAME)
                .append(", theta: Tensor, g: Tensor, state: List[Tensor], h: Tensor) -> List[Tensor]:\n");
        c.append(ruleSource);
        c.append("  def forward(self: __torch__.").append(CLASS_NAME)
                .append(", args: List[Tensor], h: Tensor) -> Tensor:\n");
        c.append("    params = [").append(range("args", 0, n)).append("]\n");
        c.append("    loss = self.cost(").append(range("args", 0, expected)).append(")\n");
        c.append("    found = torch.autograd.grad([loss], params, None, None, False, True)\n");
        c.append("    grads = annotate(List[Tensor], [])\n");
        c.append("    for i in range(").append(n).append("):\n");
        c.append("      g = found[i]\n");
        c.append("      if g is None:\n        grads.append(torch.zeros_like(params[i]))\n");
        c.append("      else:\n        grads.append(g)\n");
        // one sum of everything: finite only when every element is (or the sum overflowed, which
        // leaves the step to the generic one as well)
        c.append("    value = loss.detach()\n");
        c.append("    total = value\n");
        for (int i = 0; i < n; i++) {
            c.append("    theta").append(i).append(" = params[").append(i).append("].detach()\n");
            c.append("    total = total + grads[").append(i).append("].sum() + theta").append(i).append(".sum()\n");
        }
        c.append("    if bool(torch.isfinite(total)):\n");
        int stateArrays = rule.stateArrays();
        for (int i = 0; i < n; i++) {
            StringBuilder state = new StringBuilder();
            for (int k = 0; k < stateArrays; k++) {
                state.append(k > 0 ? ", " : "").append("args[").append(expected + k * n + i).append(']');
            }
            c.append("      out").append(i).append(" = self.update(theta").append(i).append(", grads[").append(i)
                    .append("], annotate(List[Tensor], [").append(state).append("]), h)\n");
            for (int k = 0; k < stateArrays; k++) {
                c.append("      args[").append(expected + k * n + i).append("].copy_(out").append(i).append('[')
                        .append(k + 1).append("])\n");
            }
            c.append("      theta").append(i).append(".sub_(out").append(i).append("[0])\n");
        }
        c.append("      return value\n");
        c.append("    return torch.full_like(value, float(\"nan\"))\n");
        String code = c.toString();
        NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
        try {
            Path file = Files.createTempFile("betty4j-scripted-", ".pt");
            try {
                org.betty4j.runtime.internal.TorchScriptArchive.write(file, CLASS_NAME, code);
                PtSymbolBlock module = JniUtils.loadModule((PtNDManager) manager, file, true, new String[0],
                        new String[0], true);
                return new ScriptedStep(problem, n, expected + stateArrays * n, manager, module, code);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException(problem + ": could not write its scripted step to the temp directory", e);
        } catch (RuntimeException e) {
            manager.close();
            throw compileError(problem, e, code, firstUserLine, lastUserLine);
        }
    }

    /**
     * Runs one step; the update is applied in place when {@link Result#applied()}.
     *
     * @param arguments the parameters, read arrays, batch arrays and state arrays, in that order
     * @param h the rule's numbers for this update ({@link UpdateRule#scriptScalars})
     */
    public Result run(NDList arguments, float[] h) {
        return run(arguments, h, false);
    }

    /** {@link #run(NDList, float[])}, with libtorch's graph executor optimizing when {@code optimize} (measurements only). */
    Result run(NDList arguments, float[] h, boolean optimize) {
        if (arguments.size() != this.arguments) {
            throw new IllegalArgumentException(problem + ": the scripted step takes " + this.arguments
                    + " arrays, got " + arguments.size());
        }
        NDManager owner = arguments.get(0).getManager();
        List<String> names = new ArrayList<>(arguments.size());
        NDList packed = new NDList(arguments.size() + 1);
        // DJL packs arrays named "args[]" into one TorchScript list; the names are the caller's
        // and are put back
        for (NDArray a : arguments) {
            names.add(a.getName());
            a.setName("args[]");
            packed.add(a);
        }
        if (scalars == null || !Arrays.equals(h, scalarValues)) {
            // the rule's numbers change only with the learning rate (and Adam's update count)
            if (scalars != null) {
                scalars.close();
            }
            scalars = manager.create(h).toDevice(owner.getDevice(), false);
            scalarValues = h.clone();
        }
        packed.add(scalars);
        // the script takes its gradient itself, with recording on
        try (GradMode on = GradMode.enabled()) {
            // the profiling executor's optimized graphs take derivatives by their own formulas,
            // which differ from eager autograd in the last bit; unoptimized, the step's numbers
            // are those of the generic step
            JniUtils.setGraphExecutorOptimize(optimize);
            NDList out;
            try {
                out = IValueUtils.forward(module, packed, true);
            } finally {
                JniUtils.setGraphExecutorOptimize(DJL_GRAPH_OPTIMIZER);
            }
            NDArray loss = out.get(0);
            loss.setName(null);
            double value = loss.getDataType() == DataType.FLOAT32 ? loss.getFloat() : read(loss);
            return new Result(loss, value, Double.isFinite(value));
        } finally {
            for (int i = 0; i < arguments.size(); i++) {
                arguments.get(i).setName(names.get(i));
            }
        }
    }

    private static double read(NDArray a) {
        try (NDArray wide = a.toType(DataType.FLOAT64, false)) {
            return wide.getDouble();
        }
    }

    /** The module's TorchScript source, for messages and tests. */
    public String code() {
        return code;
    }

    /** How many parameter arrays the step updates. */
    public int parameters() {
        return params;
    }

    @Override
    public void close() {
        if (scalars != null) {
            scalars.close();
        }
        module.close();
        manager.close();
    }

    /**
     * What one step returned.
     *
     * @param loss the loss, NaN when the update was not applied (the caller closes it)
     * @param value its value
     * @param applied whether the update was applied (the loss, gradients and parameters finite)
     */
    public record Result(NDArray loss, double value, boolean applied) {}

    private static List<String> userLines(String problem, String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException(problem + ": its scripted cost is empty; return the TorchScript "
                    + "source of 'def cost(...) -> Tensor:'");
        }
        List<String> lines = new ArrayList<>(source.stripIndent().replace("\t", "    ").lines().toList());
        while (!lines.isEmpty() && lines.get(0).isBlank()) {
            lines.remove(0);
        }
        if (!DEF.matcher(lines.get(0)).matches()) {
            throw new IllegalArgumentException(problem + ": its scripted cost must start with 'def cost(<arguments>) "
                    + "-> Tensor:' on one line, got '" + lines.get(0).strip() + "'");
        }
        return lines;
    }

    private static int declaredArguments(String problem, String defLine) {
        Matcher m = DEF.matcher(defLine);
        m.matches();
        String args = m.group(1).strip();
        if (args.isEmpty()) {
            return 0;
        }
        int depth = 0;
        int count = 1;
        for (char ch : args.toCharArray()) {
            if (ch == '[' || ch == '(') {
                depth++;
            } else if (ch == ']' || ch == ')') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                count++;
            }
        }
        return count;
    }

    private static int lines(CharSequence c) {
        int n = 0;
        for (int i = 0; i < c.length(); i++) {
            if (c.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String range(String list, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(i > from ? ", " : "").append(list).append('[').append(i).append(']');
        }
        return b.toString();
    }

    private static IllegalArgumentException compileError(String problem, RuntimeException e, String code,
            int firstUserLine, int lastUserLine) {
        String message = String.valueOf(e.getMessage());
        Matcher m = LINE.matcher(message);
        String where = "";
        if (m.find()) {
            int line = Integer.parseInt(m.group(1));
            if (line >= firstUserLine && line <= lastUserLine) {
                where = " at line " + (line - firstUserLine + 1) + " of its scripted cost ('"
                        + code.lines().skip(line - 1).findFirst().orElse("").strip() + "')";
            } else {
                where = " (in the step the runtime generates around it, line " + line + ")";
            }
        }
        return new IllegalArgumentException(problem + ": the scripted step does not compile" + where + ": "
                + message, e);
    }
}
