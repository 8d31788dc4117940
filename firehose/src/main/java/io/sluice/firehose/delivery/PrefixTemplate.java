package io.sluice.firehose.delivery;

import io.sluice.common.SluiceException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A key prefix with expressions, evaluated per record:
 * <ul>
 *   <li>{@code !{timestamp:PATTERN}}: the record's arrival time formatted with a {@link DateTimeFormatter} pattern
 *       in the delivery stream's time zone (UTC unless configured), e.g. {@code !{timestamp:yyyy/MM/dd/HH}};</li>
 *   <li>{@code !{partitionKey:FIELD}}: the value of a field of the record's JSON object, a dotted path for nested
 *       objects ({@code !{partitionKey:customer.region}}); strings, numbers and booleans only.</li>
 * </ul>
 * Literal text is limited to {@code [A-Za-z0-9/_.=-]}; field values are percent-encoded outside
 * {@code [A-Za-z0-9_.-]}, so a value never adds a path level. A prefix ending in {@code /} puts objects in a
 * "directory"; otherwise the object name is appended to the last path element. Immutable, thread-safe.
 */
public final class PrefixTemplate {
    public static final int MAX_CHARS = 512;
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9/_.=-]*");
    private static final Pattern FIELD_PATH = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern SAFE_TIMESTAMP_OUTPUT = Pattern.compile("[A-Za-z0-9/_.=-]*");

    /** Resolves the value of a record's field for {@code !{partitionKey:...}}; null when absent or null. */
    @FunctionalInterface
    public interface FieldLookup {
        Object get(List<String> path) throws ConversionException;
    }

    private sealed interface Part permits Literal, Timestamp, Field {
    }

    private record Literal(String text) implements Part {
    }

    private record Timestamp(DateTimeFormatter formatter) implements Part {
    }

    private record Field(String expression, List<String> path) implements Part {
    }

    private final String text;
    private final List<Part> parts;
    private final List<List<String>> fieldPaths;

    private PrefixTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
        this.fieldPaths = parts.stream().filter(p -> p instanceof Field).map(p -> ((Field) p).path()).toList();
    }

    /**
     * Parses and checks a template.
     *
     * @throws SluiceException INVALID_ARGUMENT naming {@code field} with what is wrong
     */
    public static PrefixTemplate parse(String text, ZoneId zone, String field) {
        if (text.length() > MAX_CHARS) {
            throw SluiceException.overLimit(field, "prefix length", text.length(), MAX_CHARS, "characters");
        }
        if (text.startsWith("/")) {
            throw SluiceException.invalidArgument(field, "a prefix relative to the destination (no leading /)",
                    "'" + text + "'");
        }
        if (text.startsWith("_sluice")) {
            throw SluiceException.invalidArgument(field, "a prefix outside _sluice/ (reserved for Firehose's own "
                    + "files)", "'" + text + "'");
        }
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("!{", i);
            String literal = open < 0 ? text.substring(i) : text.substring(i, open);
            if (!literal.isEmpty()) {
                checkLiteral(literal, text, field);
                parts.add(new Literal(literal));
            }
            if (open < 0) {
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw SluiceException.invalidArgument(field, "expressions written !{namespace:argument}",
                        "an unclosed !{ at character " + open);
            }
            parts.add(expression(text.substring(open + 2, close), zone, field));
            i = close + 1;
        }
        for (String segment : text.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw SluiceException.invalidArgument(field, "a prefix without . or .. path elements",
                        "'" + text + "'");
            }
        }
        if (text.contains("//")) {
            throw SluiceException.invalidArgument(field, "a prefix without empty path elements (//)", "'" + text + "'");
        }
        PrefixTemplate t = new PrefixTemplate(text, List.copyOf(parts));
        checkRendered(t, text, field);
        return t;
    }

    /**
     * Renders the template once (field values stand in as "x": a value is always one non-empty path element, "." and
     * ".." encoded) and checks the path elements it gives: a !{timestamp:...} pattern's quoted text may hold '/' and
     * '.', so the text's own elements are not enough. Where its slashes and dots fall does not depend on the instant
     * rendered (only the pattern's letters do), so one sample decides for every record.
     */
    private static void checkRendered(PrefixTemplate t, String text, String field) {
        String sample;
        try {
            sample = t.render(Instant.parse("2024-12-31T23:59:58.123Z").toEpochMilli(), path -> "x");
        } catch (ConversionException e) {
            throw new IllegalStateException(e);
        }
        String[] segments = sample.split("/", -1);
        for (int k = 0; k < segments.length; k++) {
            String seg = segments[k];
            boolean last = k == segments.length - 1;
            if (seg.equals(".") || seg.equals("..") || seg.isEmpty() && !last) {
                throw SluiceException.invalidArgument(field, "a prefix whose path elements are neither empty, . nor .. "
                        + "once !{timestamp:...} is rendered", "'" + text + "' giving '" + sample + "'");
            }
        }
    }

    private static void checkLiteral(String literal, String text, String field) {
        if (!LITERAL.matcher(literal).matches()) {
            throw SluiceException.invalidArgument(field, "literal text of [A-Za-z0-9/_.=-] and !{...} expressions",
                    "'" + text + "'");
        }
    }

    private static Part expression(String body, ZoneId zone, String field) {
        int colon = body.indexOf(':');
        String namespace = colon < 0 ? body : body.substring(0, colon);
        String argument = colon < 0 ? "" : body.substring(colon + 1);
        switch (namespace) {
            case "timestamp" -> {
                DateTimeFormatter formatter;
                try {
                    formatter = DateTimeFormatter.ofPattern(argument).withZone(zone);
                } catch (IllegalArgumentException e) {
                    throw SluiceException.invalidArgument(field, "a java.time DateTimeFormatter pattern in "
                            + "!{timestamp:...}", "'" + argument + "' (" + e.getMessage() + ")");
                }
                if (argument.isEmpty()) {
                    throw SluiceException.invalidArgument(field, "a pattern in !{timestamp:...}", "an empty pattern");
                }
                String sample;
                try {
                    sample = formatter.format(Instant.parse("2024-12-31T23:59:58.123Z"));
                } catch (RuntimeException e) {
                    throw SluiceException.invalidArgument(field, "a date-time pattern in !{timestamp:...}",
                            "'" + argument + "' (" + e.getMessage() + ")");
                }
                if (!SAFE_TIMESTAMP_OUTPUT.matcher(sample).matches()) {
                    throw SluiceException.invalidArgument(field, "a !{timestamp:...} pattern whose output uses only "
                            + "[A-Za-z0-9/_.=-]", "'" + argument + "' giving '" + sample + "'");
                }
                return new Timestamp(formatter);
            }
            case "partitionKey" -> {
                if (!FIELD_PATH.matcher(argument).matches()) {
                    throw SluiceException.invalidArgument(field, "!{partitionKey:FIELD} with FIELD a dotted path "
                            + "of JSON member names [A-Za-z_][A-Za-z0-9_]*", "'!{" + body + "}'");
                }
                return new Field(argument, List.of(argument.split("\\.")));
            }
            default -> throw SluiceException.invalidArgument(field, "expressions !{timestamp:PATTERN} or "
                    + "!{partitionKey:FIELD}", "'!{" + body + "}'");
        }
    }

    /** The field paths that {@code !{partitionKey:...}} expressions read, in order. */
    public List<List<String>> fieldPaths() {
        return fieldPaths;
    }

    public boolean usesFields() {
        return !fieldPaths.isEmpty();
    }

    /**
     * The prefix of one record.
     *
     * @throws ConversionException PARTITION_KEY_MISSING when a field is absent, null, empty or not a scalar
     */
    public String render(long arrivalTimeMs, FieldLookup fields) throws ConversionException {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (Part part : parts) {
            if (part instanceof Literal l) {
                sb.append(l.text());
            } else if (part instanceof Timestamp t) {
                sb.append(t.formatter().format(Instant.ofEpochMilli(arrivalTimeMs)));
            } else {
                Field f = (Field) part;
                Object value = fields.get(f.path());
                if (value == null) {
                    throw new ConversionException(ConversionException.PARTITION_KEY_MISSING,
                            "partitionKey field '" + f.expression() + "' is missing or null");
                }
                if (!(value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                        || value instanceof Enum<?> || value instanceof org.apache.avro.generic.GenericEnumSymbol<?>)) {
                    throw new ConversionException(ConversionException.PARTITION_KEY_MISSING,
                            "partitionKey field '" + f.expression() + "' is not a string, number or boolean");
                }
                String s = value.toString();
                if (s.isEmpty()) {
                    throw new ConversionException(ConversionException.PARTITION_KEY_MISSING,
                            "partitionKey field '" + f.expression() + "' is empty");
                }
                sb.append(encode(s));
            }
        }
        return sb.toString();
    }

    /** Percent-encodes a field value so that it stays one path element; "." and ".." are encoded too. */
    static String encode(String value) {
        if (value.equals(".") || value.equals("..")) {
            return value.replace(".", "%2E");
        }
        StringBuilder sb = null;
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean safe = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '.' || b == '-';
            if (!safe && sb == null) {
                sb = new StringBuilder(value.length() + 8);
                sb.append(new String(bytes, 0, i, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (sb != null) {
                if (safe) {
                    sb.append((char) b);
                } else {
                    sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
                }
            }
        }
        return sb == null ? value : sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
