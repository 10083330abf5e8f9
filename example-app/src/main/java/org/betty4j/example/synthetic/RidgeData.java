package org.betty4j.example.synthetic;

import java.util.Random;

/**
 * The synthetic bilevel problem of the convergence study, with its optimum in closed form.
 *
 * <p>Lower (ridge regression towards a learned prior mean θ): {@code w*(θ) = argmin_w ½ mean((Xw − y)²)
 * + (μ/2)‖w − θ‖²}, so {@code w*(θ) = A⁻¹(c + μθ)} with {@code A = XᵀX/n + μI}, {@code c = Xᵀy/n}.
 * Upper: {@code f(θ) = ½ mean((X_v w*(θ) − y_v)²)}. With more validation rows than features,
 * {@code f} is minimized exactly where {@code w*(θ)} is the validation least-squares solution
 * {@code w_v}, so {@code θ* = (A w_v − c)/μ} and {@code f* = ½ mean((X_v w_v − y_v)²)}.
 *
 * <p>Data: features i.i.d. N(0, 1), {@code y = x·w_true + 0.5·N(0, 1)}, {@code w_true ~ N(0, 1)}; the
 * training set has fewer rows than twice the features so the prior matters. Everything is double
 * precision plain Java; the engine runs the problem in float64 too.
 */
public final class RidgeData {

    public final int features;
    public final int trainRows;
    public final int validationRows;
    public final double mu;
    public final double[][] xTrain;
    public final double[] yTrain;
    public final double[][] xVal;
    public final double[] yVal;
    private final double[][] a;
    private final double[] c;
    private final double[] thetaStar;
    private final double fStar;

    public RidgeData(int features, int trainRows, int validationRows, double mu, long seed) {
        if (validationRows <= features) {
            throw new IllegalArgumentException("the closed-form optimum needs more validation rows than features: "
                    + validationRows + " <= " + features);
        }
        this.features = features;
        this.trainRows = trainRows;
        this.validationRows = validationRows;
        this.mu = mu;
        Random r = new Random(seed);
        double[] wTrue = new double[features];
        for (int j = 0; j < features; j++) {
            wTrue[j] = r.nextGaussian();
        }
        xTrain = gaussian(trainRows, features, r);
        yTrain = targets(xTrain, wTrue, r);
        xVal = gaussian(validationRows, features, r);
        yVal = targets(xVal, wTrue, r);
        a = gram(xTrain);
        for (int j = 0; j < features; j++) {
            a[j][j] += mu;
        }
        c = moment(xTrain, yTrain);
        double[] wVal = solve(gram(xVal), moment(xVal, yVal));
        double[] aw = multiply(a, wVal);
        thetaStar = new double[features];
        for (int j = 0; j < features; j++) {
            thetaStar[j] = (aw[j] - c[j]) / mu;
        }
        fStar = validationLoss(wVal);
    }

    /** The exact best response {@code w*(θ)}. */
    public double[] bestResponse(double[] theta) {
        double[] rhs = new double[features];
        for (int j = 0; j < features; j++) {
            rhs[j] = c[j] + mu * theta[j];
        }
        return solve(a, rhs);
    }

    /** The upper objective at θ through the exact best response. */
    public double upperObjective(double[] theta) {
        return validationLoss(bestResponse(theta));
    }

    public double validationLoss(double[] w) {
        double s = 0;
        for (int i = 0; i < validationRows; i++) {
            double e = dot(xVal[i], w) - yVal[i];
            s += e * e;
        }
        return 0.5 * s / validationRows;
    }

    public double[] thetaStar() {
        return thetaStar.clone();
    }

    public double optimalUpperObjective() {
        return fStar;
    }

    public double distanceToOptimum(double[] theta) {
        double s = 0;
        for (int j = 0; j < features; j++) {
            s += (theta[j] - thetaStar[j]) * (theta[j] - thetaStar[j]);
        }
        return Math.sqrt(s);
    }

    static double[] flatten(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        }
        return out;
    }

    private static double[][] gaussian(int rows, int cols, Random r) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return x;
    }

    private static double[] targets(double[][] x, double[] w, Random r) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = dot(x[i], w) + 0.5 * r.nextGaussian();
        }
        return y;
    }

    /** XᵀX / n. */
    private static double[][] gram(double[][] x) {
        int d = x[0].length;
        double[][] g = new double[d][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    g[i][j] += row[i] * row[j] / x.length;
                }
            }
        }
        return g;
    }

    /** Xᵀy / n. */
    private static double[] moment(double[][] x, double[] y) {
        int d = x[0].length;
        double[] m = new double[d];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < d; j++) {
                m[j] += x[i][j] * y[i] / x.length;
            }
        }
        return m;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Gaussian elimination with partial pivoting (the matrices here are small and well conditioned). */
    static double[] solve(double[][] matrix, double[] rhs) {
        int n = rhs.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(matrix[i], n + 1);
            m[i][n] = rhs[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int i = col + 1; i < n; i++) {
                if (Math.abs(m[i][col]) > Math.abs(m[pivot][col])) {
                    pivot = i;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            if (Math.abs(m[col][col]) < 1e-12) {
                throw new ArithmeticException("singular system at column " + col);
            }
            for (int i = col + 1; i < n; i++) {
                double f = m[i][col] / m[col][col];
                for (int j = col; j <= n; j++) {
                    m[i][j] -= f * m[col][j];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= m[i][j] * x[j];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }
}
