#include "iin_math.h"
#include <math.h>

// Compiled with -fno-math-errno -fveclib=libmvec -fopenmp-simd (Package.swift):
// the loops below become calls to _ZGVbN2v_exp, the SSE2 vector exp every
// x86_64 has, so the results do not depend on which machine runs them.

double iin_gravity_squared_error(const double *logMass, const double *logDistance, const double *frequency, long count, double k, double beta) {
    double sum = 0;
#pragma omp simd reduction(+:sum)
    for (long index = 0; index < count; index++) {
        double residual = frequency[index] - k * exp(logMass[index] - beta * logDistance[index]);
        sum += residual * residual;
    }
    return sum;
}

void iin_gravity_cross_sums(const double *logMass, const double *logDistance, const double *frequency, long count, double beta,
                            double *frequencyTimesG, double *gSquared) {
    double fg = 0, gg = 0;
#pragma omp simd reduction(+:fg, gg)
    for (long index = 0; index < count; index++) {
        double g = exp(logMass[index] - beta * logDistance[index]);
        fg += frequency[index] * g;
        gg += g * g;
    }
    *frequencyTimesG = fg;
    *gSquared = gg;
}
