// SPDX-License-Identifier: GPL-2.0
int add(int a, int b) { return a + b; }
