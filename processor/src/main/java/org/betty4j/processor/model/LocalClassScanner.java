package org.betty4j.processor.model;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.Element;

/**
 * Finds Betty annotations in local and anonymous classes. javac hands an annotation processor
 * only top-level types and their members, so {@code @Level} on a class declared inside a
 * method (or {@code @Upper} in an anonymous class) would otherwise be ignored without a word.
 * This reads the source trees (javac's {@link Trees} API) of the round's classes; annotation
 * types there are not resolved yet, so a name counts as a Betty annotation when it is written
 * qualified, or its simple name is imported from {@code org.betty4j.annotations} (singly or on
 * demand).
 */
public final class LocalClassScanner {

    /** One local or anonymous class carrying a Betty annotation, the first one found in it. */
    public record Finding(String annotation, String className, boolean anonymous, TreePath annotationPath) {}

    private static final String PACKAGE = "org.betty4j.annotations";
    private static final Set<String> SIMPLE_NAMES = Set.of("Level", "Hypergrad", "Upper", "Lower", "TrainingStep");

    private final Trees trees;

    public LocalClassScanner(Trees trees) {
        this.trees = trees;
    }

    /** Every finding in the compilation units of {@code roots}, each unit scanned once. */
    public List<Finding> scan(Iterable<? extends Element> roots) {
        List<Finding> out = new ArrayList<>();
        Set<CompilationUnitTree> seen = new HashSet<>();
        for (Element root : roots) {
            TreePath path = trees.getPath(root);
            if (path == null || !seen.add(path.getCompilationUnit())) {
                continue;
            }
            CompilationUnitTree unit = path.getCompilationUnit();
            Set<String> imported = importedSimpleNames(unit);
            new TreePathScanner<Void, Void>() {
                @Override
                public Void visitClass(ClassTree tree, Void unused) {
                    Tree parent = getCurrentPath().getParentPath().getLeaf();
                    boolean member = parent instanceof ClassTree || parent instanceof CompilationUnitTree;
                    if (!member) {
                        firstBettyAnnotation(tree, imported).ifPresent(a -> out.add(new Finding(
                                simpleName(a), tree.getSimpleName().toString(), tree.getSimpleName().isEmpty(),
                                TreePath.getPath(unit, a))));
                    }
                    return super.visitClass(tree, unused);
                }
            }.scan(unit, null);
        }
        return out;
    }

    public Trees trees() {
        return trees;
    }

    private static Optional<AnnotationTree> firstBettyAnnotation(ClassTree type, Set<String> imported) {
        List<AnnotationTree> candidates = new ArrayList<>(type.getModifiers().getAnnotations());
        for (Tree member : type.getMembers()) {
            if (member instanceof VariableTree v) {
                candidates.addAll(v.getModifiers().getAnnotations());
            } else if (member instanceof MethodTree m) {
                candidates.addAll(m.getModifiers().getAnnotations());
                m.getParameters().forEach(p -> candidates.addAll(p.getModifiers().getAnnotations()));
            }
        }
        return candidates.stream().filter(a -> isBetty(a, imported)).findFirst();
    }

    private static boolean isBetty(AnnotationTree a, Set<String> imported) {
        String written = a.getAnnotationType().toString();
        if (written.startsWith(PACKAGE + ".")) {
            return SIMPLE_NAMES.contains(written.substring(PACKAGE.length() + 1));
        }
        return imported.contains(written);
    }

    private static String simpleName(AnnotationTree a) {
        String written = a.getAnnotationType().toString();
        return "@" + written.substring(written.lastIndexOf('.') + 1);
    }

    private static Set<String> importedSimpleNames(CompilationUnitTree unit) {
        Set<String> out = new HashSet<>();
        if (unit.getPackageName() != null && unit.getPackageName().toString().equals(PACKAGE)) {
            out.addAll(SIMPLE_NAMES);
        }
        for (ImportTree i : unit.getImports()) {
            if (i.isStatic()) {
                continue;
            }
            String name = i.getQualifiedIdentifier().toString();
            if (name.equals(PACKAGE + ".*")) {
                out.addAll(SIMPLE_NAMES);
            } else if (name.startsWith(PACKAGE + ".") && SIMPLE_NAMES.contains(name.substring(PACKAGE.length() + 1))) {
                out.add(name.substring(PACKAGE.length() + 1));
            }
        }
        return out;
    }
}
