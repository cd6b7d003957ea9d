#ifndef IIN_MATH_H
#define IIN_MATH_H

/// The gravity fit's two sums over city pairs, with G = exp(logMass -
/// beta * logDistance): sum (F - k G)^2, and sum F G with sum G G (the
/// closed-form best k). Written in C so the compiler calls glibc's vector
/// exp (libmvec) two pairs at a time: the particle swarm spends nearly
/// all its time here (docs/performance.md).
double iin_gravity_squared_error(const double *logMass, const double *logDistance, const double *frequency, long count, double k, double beta);
void iin_gravity_cross_sums(const double *logMass, const double *logDistance, const double *frequency, long count, double beta,
                            double *frequencyTimesG, double *gSquared);

#endif
