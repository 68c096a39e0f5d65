package org.ratepayer
/** Marks the hand-written part of the package (the rest is generated). */
internal object Package
