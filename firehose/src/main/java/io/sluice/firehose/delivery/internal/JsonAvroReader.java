package io.sluice.firehose.delivery.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.sluice.firehose.delivery.ConversionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Reads one JSON object into an Avro record of a given schema, streaming (no intermediate tree).
 *
 * <p>Mapping: JSON members to fields by name (members the schema lacks are skipped; missing fields take their
 * default, else null when nullable, else the record fails); {@code null}, booleans, numbers (int and long only from
 * integers in range; float and double from any number), strings; bytes and fixed from base64 strings; enums from
 * their symbol; arrays; maps from objects; nested records. Logical types: {@code date} from {@code "2024-05-01"}
 * or a day number, {@code time-millis}/{@code time-micros} from {@code "12:30:00.5"} or a number,
 * {@code timestamp-millis}/{@code -micros} (and local-) from ISO-8601 instants ({@code "2024-05-01T12:00:00Z"}) or
 * numbers, {@code decimal} from a number or numeric string that fits the scale exactly. A union takes the first
 * branch that accepts the JSON token's kind (null, boolean, number, string, object, array).
 *
 * <p>Every failure is a {@link ConversionException} naming the field path. Thread-safe (no state besides the
 * factory).
 */
final class JsonAvroReader {
    private final JsonFactory json;

    JsonAvroReader(JsonFactory json) {
        this.json = json;
    }

    /**
     * Parses {@code data} as one JSON object into a new record of {@code recordSchema}, whose first fields are those
     * of {@code schema}; the caller fills the rest (the metadata columns).
     */
    GenericData.Record read(byte[] data, Schema schema, Schema recordSchema) throws ConversionException {
        try (JsonParser p = json.createParser(data)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new ConversionException(ConversionException.JSON_PARSE_ERROR, "empty record");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new ConversionException(ConversionException.NOT_A_JSON_OBJECT, "expected a JSON object, got "
                        + describe(t));
            }
            GenericData.Record rec = readRecord(p, schema, recordSchema, "");
            if (p.nextToken() != null) {
                throw new ConversionException(ConversionException.JSON_PARSE_ERROR,
                        "unexpected content after the JSON object at offset " + p.currentTokenLocation().getByteOffset());
            }
            return rec;
        } catch (StreamReadException e) {
            throw new ConversionException(ConversionException.JSON_PARSE_ERROR, e.getOriginalMessage()
                    + " at offset " + (e.getLocation() == null ? "?" : e.getLocation().getByteOffset()));
        } catch (IOException e) {
            throw new ConversionException(ConversionException.JSON_PARSE_ERROR, String.valueOf(e.getMessage()));
        }
    }

    /**
     * Reads the object at the parser (on START_OBJECT) into a record of {@code target}, whose fields start with
     * those of {@code schema} (target may append more, filled by the caller).
     */
    private GenericData.Record readRecord(JsonParser p, Schema schema, Schema target, String path)
            throws IOException, ConversionException {
        GenericData.Record rec = new GenericData.Record(target);
        List<Schema.Field> fields = schema.getFields();
        boolean[] seen = new boolean[fields.size()];
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            Schema.Field f = schema.getField(name);
            JsonToken v = p.nextToken();
            if (f == null) {
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
                continue;
            }
            rec.put(f.pos(), readValue(p, f.schema(), join(path, name)));
            seen[f.pos()] = true;
        }
        if (t != JsonToken.END_OBJECT) {
            throw new ConversionException(ConversionException.JSON_PARSE_ERROR, "malformed object at " + where(path));
        }
        for (Schema.Field f : fields) {
            if (!seen[f.pos()]) {
                if (f.hasDefaultValue()) {
                    rec.put(f.pos(), GenericData.get().getDefaultValue(f));
                } else if (isNullable(f.schema())) {
                    rec.put(f.pos(), null);
                } else {
                    throw mismatch(join(path, f.name()), "a value (the field is required)", "none");
                }
            }
        }
        return rec;
    }

    private Object readValue(JsonParser p, Schema s, String path) throws IOException, ConversionException {
        JsonToken t = p.currentToken();
        LogicalType lt = s.getLogicalType();
        switch (s.getType()) {
            case NULL -> {
                expect(t == JsonToken.VALUE_NULL, path, "null", t);
                return null;
            }
            case BOOLEAN -> {
                expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE, path, "a boolean", t);
                return t == JsonToken.VALUE_TRUE;
            }
            case INT -> {
                if (lt instanceof LogicalTypes.Date && t == JsonToken.VALUE_STRING) {
                    try {
                        return Math.toIntExact(LocalDate.parse(p.getText()).toEpochDay());
                    } catch (DateTimeParseException | ArithmeticException e) {
                        throw mismatch(path, "a date yyyy-MM-dd", quote(p.getText()));
                    }
                }
                if (lt instanceof LogicalTypes.TimeMillis && t == JsonToken.VALUE_STRING) {
                    return (int) (parseTime(p.getText(), path) / 1_000_000L);
                }
                expect(t == JsonToken.VALUE_NUMBER_INT, path, "an integer", t);
                if (p.getNumberType() != JsonParser.NumberType.INT) {
                    throw mismatch(path, "an integer in the int range", p.getText());
                }
                return p.getIntValue();
            }
            case LONG -> {
                if (t == JsonToken.VALUE_STRING && lt != null) {
                    return parseTemporalLong(p.getText(), lt, path);
                }
                expect(t == JsonToken.VALUE_NUMBER_INT, path, "an integer", t);
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw mismatch(path, "an integer in the long range", p.getText());
                }
                return p.getLongValue();
            }
            case FLOAT -> {
                expect(t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT, path, "a number", t);
                return p.getFloatValue();
            }
            case DOUBLE -> {
                expect(t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT, path, "a number", t);
                return p.getDoubleValue();
            }
            case STRING -> {
                expect(t == JsonToken.VALUE_STRING, path, "a string", t);
                return p.getText();
            }
            case BYTES -> {
                if (lt instanceof LogicalTypes.Decimal d) {
                    return ByteBuffer.wrap(decimal(p, t, d, path).unscaledValue().toByteArray());
                }
                expect(t == JsonToken.VALUE_STRING, path, "a base64 string", t);
                return ByteBuffer.wrap(base64(p.getText(), path));
            }
            case FIXED -> {
                byte[] bytes;
                if (lt instanceof LogicalTypes.Decimal d) {
                    bytes = fixedDecimal(decimal(p, t, d, path).unscaledValue(), s.getFixedSize(), path);
                } else {
                    expect(t == JsonToken.VALUE_STRING, path, "a base64 string", t);
                    bytes = base64(p.getText(), path);
                    if (bytes.length != s.getFixedSize()) {
                        throw mismatch(path, s.getFixedSize() + " bytes (base64)", bytes.length + " bytes");
                    }
                }
                return new GenericData.Fixed(s, bytes);
            }
            case ENUM -> {
                expect(t == JsonToken.VALUE_STRING, path, "one of " + s.getEnumSymbols(), t);
                String sym = p.getText();
                if (!s.hasEnumSymbol(sym)) {
                    if (s.getEnumDefault() != null) {
                        return new GenericData.EnumSymbol(s, s.getEnumDefault());
                    }
                    throw mismatch(path, "one of " + s.getEnumSymbols(), quote(sym));
                }
                return new GenericData.EnumSymbol(s, sym);
            }
            case ARRAY -> {
                expect(t == JsonToken.START_ARRAY, path, "an array", t);
                List<Object> list = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p, s.getElementType(), path + "[" + i++ + "]"));
                }
                return new GenericData.Array<>(s, list);
            }
            case MAP -> {
                expect(t == JsonToken.START_OBJECT, path, "an object (map)", t);
                Map<String, Object> map = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, readValue(p, s.getValueType(), join(path, key)));
                }
                return map;
            }
            case RECORD -> {
                expect(t == JsonToken.START_OBJECT, path, "an object", t);
                return readRecord(p, s, s, path);
            }
            case UNION -> {
                Schema branch = pickBranch(s, t);
                if (branch == null) {
                    throw mismatch(path, "one of " + branchNames(s), describe(t));
                }
                return branch.getType() == Schema.Type.NULL ? null : readValue(p, branch, path);
            }
            default -> throw new IllegalStateException("unknown Avro type " + s.getType());
        }
    }

    private static Schema pickBranch(Schema union, JsonToken t) {
        for (Schema b : union.getTypes()) {
            if (accepts(b, t)) {
                return b;
            }
        }
        return null;
    }

    private static boolean accepts(Schema s, JsonToken t) {
        Schema.Type type = s.getType();
        LogicalType lt = s.getLogicalType();
        return switch (t) {
            case VALUE_NULL -> type == Schema.Type.NULL;
            case VALUE_TRUE, VALUE_FALSE -> type == Schema.Type.BOOLEAN;
            case VALUE_NUMBER_INT -> type == Schema.Type.INT || type == Schema.Type.LONG || type == Schema.Type.FLOAT
                    || type == Schema.Type.DOUBLE || lt instanceof LogicalTypes.Decimal;
            case VALUE_NUMBER_FLOAT -> type == Schema.Type.FLOAT || type == Schema.Type.DOUBLE
                    || lt instanceof LogicalTypes.Decimal;
            case VALUE_STRING -> type == Schema.Type.STRING || type == Schema.Type.ENUM || type == Schema.Type.BYTES
                    || type == Schema.Type.FIXED || (lt != null && (type == Schema.Type.INT || type == Schema.Type.LONG));
            case START_OBJECT -> type == Schema.Type.RECORD || type == Schema.Type.MAP;
            case START_ARRAY -> type == Schema.Type.ARRAY;
            default -> false;
        };
    }

    private static long parseTemporalLong(String text, LogicalType lt, String path) throws ConversionException {
        try {
            if (lt instanceof LogicalTypes.TimestampMillis || lt instanceof LogicalTypes.LocalTimestampMillis) {
                return parseInstant(text).toEpochMilli();
            }
            if (lt instanceof LogicalTypes.TimestampMicros || lt instanceof LogicalTypes.LocalTimestampMicros) {
                Instant i = parseInstant(text);
                return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
            }
            if (lt instanceof LogicalTypes.TimeMicros) {
                return parseTime(text, path) / 1000L;
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            throw mismatch(path, "an ISO-8601 instant such as 2024-05-01T12:00:00Z", quote(text));
        }
        throw mismatch(path, "an integer", "a string");
    }

    private static Instant parseInstant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return java.time.OffsetDateTime.parse(text).toInstant();
        }
    }

    /** Nanoseconds of the day. */
    private static long parseTime(String text, String path) throws ConversionException {
        try {
            return LocalTime.parse(text).toNanoOfDay();
        } catch (DateTimeParseException e) {
            throw mismatch(path, "a time of day HH:mm[:ss[.fraction]]", quote(text));
        }
    }

    private static BigDecimal decimal(JsonParser p, JsonToken t, LogicalTypes.Decimal d, String path)
            throws IOException, ConversionException {
        BigDecimal v;
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            v = p.getDecimalValue();
        } else if (t == JsonToken.VALUE_STRING) {
            try {
                v = new BigDecimal(p.getText());
            } catch (NumberFormatException e) {
                throw mismatch(path, "a decimal number", quote(p.getText()));
            }
        } else {
            throw mismatch(path, "a decimal number", describe(t));
        }
        try {
            v = v.setScale(d.getScale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw mismatch(path, "a decimal with at most " + d.getScale() + " fraction digits", v.toPlainString());
        }
        if (v.precision() > d.getPrecision()) {
            throw mismatch(path, "a decimal of at most " + d.getPrecision() + " digits", v.toPlainString());
        }
        return v;
    }

    private static byte[] fixedDecimal(BigInteger unscaled, int size, String path) throws ConversionException {
        byte[] raw = unscaled.toByteArray();
        if (raw.length > size) {
            throw mismatch(path, "a decimal that fits " + size + " bytes", unscaled + " (unscaled)");
        }
        byte[] out = new byte[size];
        byte pad = (byte) (unscaled.signum() < 0 ? 0xff : 0);
        java.util.Arrays.fill(out, 0, size - raw.length, pad);
        System.arraycopy(raw, 0, out, size - raw.length, raw.length);
        return out;
    }

    private static byte[] base64(String text, String path) throws ConversionException {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw mismatch(path, "base64", "'" + (text.length() > 32 ? text.substring(0, 29) + "..." : text) + "'");
        }
    }

    static boolean isNullable(Schema s) {
        if (s.getType() == Schema.Type.NULL) {
            return true;
        }
        return s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.NULL);
    }

    private static void expect(boolean ok, String path, String expected, JsonToken got) throws ConversionException {
        if (!ok) {
            throw mismatch(path, expected, describe(got));
        }
    }

    private static ConversionException mismatch(String path, String expected, String got) {
        return new ConversionException(ConversionException.SCHEMA_MISMATCH, where(path) + ": expected " + expected
                + ", got " + got);
    }

    private static String where(String path) {
        return path.isEmpty() ? "the record" : "field '" + path + "'";
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String quote(String s) {
        return "'" + (s.length() > 64 ? s.substring(0, 61) + "..." : s) + "'";
    }

    private static String branchNames(Schema union) {
        return union.getTypes().stream().map(Schema::getName).toList().toString();
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a fractional number";
            case VALUE_STRING -> "a string";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            default -> t.toString();
        };
    }
}
