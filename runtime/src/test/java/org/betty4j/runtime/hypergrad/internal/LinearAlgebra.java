package org.betty4j.runtime.hypergrad.internal;

import java.util.Random;

/** Dense float64 linear algebra for closed-form expectations (small sizes only). */
final class LinearAlgebra {

    private LinearAlgebra() {}

    /** A symmetric matrix {@code Q diag(eigenvalues) Qᵀ} with a random orthogonal Q. */
    static double[][] symmetricWithEigenvalues(Random random, double... eigenvalues) {
        int n = eigenvalues.length;
        double[][] q = orthonormalColumns(random, n);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += q[i][k] * eigenvalues[k] * q[j][k];
                }
            }
        }
        return a;
    }

    private static double[][] orthonormalColumns(Random random, int n) {
        double[][] q = randomMatrix(random, n, n);
        for (int c = 0; c < n; c++) {
            for (int prev = 0; prev < c; prev++) {
                double d = 0;
                for (int i = 0; i < n; i++) {
                    d += q[i][c] * q[i][prev];
                }
                for (int i = 0; i < n; i++) {
                    q[i][c] -= d * q[i][prev];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += q[i][c] * q[i][c];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                q[i][c] /= norm;
            }
        }
        return q;
    }

    static double[][] randomMatrix(Random random, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return m;
    }

    static double[] randomVector(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }

    static double[] times(double[][] m, double[] x) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < x.length; j++) {
                out[i] += m[i][j] * x[j];
            }
        }
        return out;
    }

    static double[] transposeTimes(double[][] m, double[] x) {
        double[] out = new double[m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += m[i][j] * x[i];
            }
        }
        return out;
    }

    /** {@code a⁻¹ b} by Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(m[i][c]) > Math.abs(m[pivot][c])) {
                    pivot = i;
                }
            }
            double[] t = m[c];
            m[c] = m[pivot];
            m[pivot] = t;
            for (int i = c + 1; i < n; i++) {
                double f = m[i][c] / m[c][c];
                for (int j = c; j <= n; j++) {
                    m[i][j] -= f * m[c][j];
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

    /** {@code α Σ_{j=0..k} (I − αA)^j v}, the truncated Neumann series, term by term. */
    static double[] neumannSeries(double[][] a, double[] v, double alpha, int k) {
        double[] term = v.clone();
        double[] sum = v.clone();
        for (int j = 1; j <= k; j++) {
            double[] at = times(a, term);
            for (int i = 0; i < term.length; i++) {
                term[i] -= alpha * at[i];
                sum[i] += term[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] *= alpha;
        }
        return sum;
    }

    static double[] plus(double[] x, double[] y) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + y[i];
        }
        return out;
    }

    static double[] minus(double[] x, double[] y) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - y[i];
        }
        return out;
    }

    static double[] scaled(double[] x, double s) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * s;
        }
        return out;
    }

    static double norm(double[] x) {
        double s = 0;
        for (double xi : x) {
            s += xi * xi;
        }
        return Math.sqrt(s);
    }

    /** {@code ‖got − exact‖ / ‖exact‖}. */
    static double relativeError(double[] got, double[] exact) {
        return norm(minus(got, exact)) / norm(exact);
    }
}
