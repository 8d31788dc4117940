package io.sluice.broker;

/**
 * Fails fast, with the fix in the message, when the JVM lacks the flags Chronicle Queue needs: without them Chronicle
 * opens queues read-only and every write would later hang until timeout.
 */
final class StartupChecks {
    private StartupChecks() {
    }

    static void run() {
        Module base = Object.class.getModule();
        Module self = StartupChecks.class.getModule();
        boolean ok = base.isOpen("sun.nio.ch", self) && base.isOpen("java.lang.reflect", self);
        if (!ok) {
            throw new IllegalStateException("this JVM lacks the flags Chronicle Queue needs (--add-opens "
                    + "java.base/sun.nio.ch=ALL-UNNAMED and others); start brokers with the flags in "
                    + "build-support/jvm.properties (the deploy/ scripts and the Maven build add them)");
        }
    }
}
