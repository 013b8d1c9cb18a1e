// libserialport (Debian: libserialport-dev). Only the SerialBus module imports this.
#include <libserialport.h>
