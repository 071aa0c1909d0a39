#include "od_testenv.h"
