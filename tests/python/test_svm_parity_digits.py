"""test_svm_parity_classifiers.py on digits (1797 x 64, 10 classes): svc and
nu_svc x linear/rbf/poly, raw and standardized, side by side with scikit-learn
1.2: identical predictions and n_support, decision values within 1e-6.
"""
import sys

from test_svm_parity_classifiers import main

if __name__ == "__main__":
    sys.exit(main(["digits"], defaults=False))
