#include "ValueFormat.h"

#include <msgpack.h>

#include <algorithm>
#include <cmath>

#include "StreamEntry.h"

#include <QSet>

namespace streamscope::valueformat {

namespace {

const char hexDigits[] = "0123456789abcdef";

bool isPlainAscii(QByteArrayView bytes) {
    for (char c : bytes)
        if (uchar(c) >= 0x80)
            return false;
    return true;
}

QString escapedBytes(QByteArrayView bytes, bool escapeControls) {
    QString out;
    out.reserve(bytes.size());
    for (char c : bytes) {
        const uchar u = uchar(c);
        if (c == '\\') {
            out += QLatin1String("\\\\");
        } else if (u >= 0x20 && u < 0x7f) {
            out += QLatin1Char(c);
        } else if (escapeControls || u >= 0x7f || (c != '\n' && c != '\t')) {
            switch (c) {
            case '\n':
                out += QLatin1String("\\n");
                break;
            case '\r':
                out += QLatin1String("\\r");
                break;
            case '\t':
                out += QLatin1String("\\t");
                break;
            default:
                out += QLatin1String("\\x");
                out += QLatin1Char(hexDigits[u >> 4]);
                out += QLatin1Char(hexDigits[u & 0xf]);
            }
        } else {
            out += QLatin1Char(c);
        }
    }
    return out;
}

} // namespace

int utf8SequenceLength(const char *at, const char *end) {
    // RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. One definition for the
    // writer (string or base64?) and the reader (is this string valid?), so they always agree.
    const uchar c = uchar(*at);
    if (c < 0x80)
        return 1;
    int n = 0;
    uchar low = 0x80;
    uchar high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            low = 0xa0;
        else if (c == 0xed)
            high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            low = 0x90;
        else if (c == 0xf4)
            high = 0x8f;
    } else {
        return 0;
    }
    if (end - at < n)
        return 0;
    const uchar second = uchar(at[1]);
    if (second < low || second > high)
        return 0;
    for (int i = 2; i < n; ++i)
        if ((uchar(at[i]) & 0xc0) != 0x80)
            return 0;
    return n;
}

bool hasControlBytes(QByteArrayView bytes) {
    for (char c : bytes)
        if (uchar(c) < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return true;
    return false;
}

bool isUtf8(QByteArrayView bytes) {
    if (isPlainAscii(bytes))
        return true;
    const char *p = bytes.data();
    const char *end = p + bytes.size();
    while (p < end) {
        const int n = utf8SequenceLength(p, end);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

QString displayText(QByteArrayView bytes) {
    if (isUtf8(bytes) && !hasControlBytes(bytes))
        return QString::fromUtf8(bytes);
    return escapedBytes(bytes, false);
}

QString singleLine(QByteArrayView bytes, int maxChars) {
    // Work on a bounded prefix: a 16 MB value must not cost 16 MB of formatting per paint.
    const qsizetype limit = qsizetype(qMax(0, maxChars)) * 4 + 4;
    qsizetype cut = qMin(bytes.size(), limit);
    // Do not split a UTF-8 sequence at the cut: step back to the start of the last character.
    if (cut < bytes.size())
        while (cut > 0 && (uchar(bytes.at(cut)) & 0xc0) == 0x80)
            --cut;
    const QByteArrayView head = bytes.first(cut);
    QString text;
    if (!isUtf8(head)) {
        text = escapedBytes(head, true);
    } else {
        for (const QChar ch : QString::fromUtf8(head)) {
            if (ch == QLatin1Char('\n'))
                text += QLatin1String("\\n");
            else if (ch == QLatin1Char('\t'))
                text += QLatin1String("\\t");
            else if (ch.unicode() < 0x20)
                text += QStringLiteral("\\x%1").arg(ch.unicode(), 2, 16, QLatin1Char('0'));
            else
                text += ch;
        }
    }
    if (text.size() > maxChars || head.size() < bytes.size())
        text = text.left(qMax(0, maxChars - 1)) + QChar(0x2026);
    return text;
}

// Appends bytes between double quotes, escaping \" \\ \n \r \t and other control bytes: as
// \u00NN for JSON, or as \xNN for redis-cli, which also wants every non-ASCII byte escaped.
static void appendQuoted(QByteArray &out, QByteArrayView bytes, bool redisCli) {
    out += '"';
    for (char c : bytes) {
        const uchar u = uchar(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u < 0x20 || (redisCli && u >= 0x7f)) {
                out += redisCli ? "\\x" : "\\u00";
                out += hexDigits[u >> 4];
                out += hexDigits[u & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendJsonString(QByteArray &out, QByteArrayView bytes) {
    // JSON strings are Unicode: bytes that are not UTF-8 go in as their escaped text.
    if (isUtf8(bytes))
        appendQuoted(out, bytes, false);
    else
        appendQuoted(out, escapedBytes(bytes, false).toUtf8(), false);
}

namespace {

// A recursive-descent JSON reader that keeps what QJsonDocument throws away: number text and
// member order (duplicates too).
class JsonParser {
public:
    explicit JsonParser(QByteArrayView text)
        : m_begin(text.data())
        , m_at(text.data())
        , m_end(text.data() + text.size()) {}

    std::optional<JsonValue> parseDocument(QString *error) {
        JsonValue value;
        skipSpace();
        bool ok = parseValue(value, 0);
        if (ok) {
            skipSpace();
            if (m_at != m_end)
                ok = fail("unexpected text after the JSON value");
        }
        if (!ok) {
            if (error)
                *error = QStringLiteral("%1 at byte %2").arg(m_error).arg(m_errorAt - m_begin + 1);
            return std::nullopt;
        }
        return value;
    }

private:
    bool fail(const char *what) {
        if (m_error.isEmpty()) {
            m_error = QString::fromLatin1(what);
            m_errorAt = m_at;
        }
        return false;
    }
    void skipSpace() {
        while (m_at < m_end && (*m_at == ' ' || *m_at == '\t' || *m_at == '\n' || *m_at == '\r'))
            ++m_at;
    }
    bool literal(const char *word, JsonValue::Type type, JsonValue &out) {
        const qsizetype n = qsizetype(qstrlen(word));
        if (m_end - m_at < n || qstrncmp(m_at, word, size_t(n)) != 0)
            return fail("not a JSON value");
        out.type = type;
        if (type == JsonValue::Type::Bool)
            out.text = QByteArray(word);
        m_at += n;
        return true;
    }
    bool digits() {
        const char *start = m_at;
        while (m_at < m_end && *m_at >= '0' && *m_at <= '9')
            ++m_at;
        return m_at > start || fail("a digit expected");
    }
    bool parseNumber(JsonValue &out) {
        const char *start = m_at;
        if (*m_at == '-')
            ++m_at;
        if (m_at < m_end && *m_at == '0')
            ++m_at;
        else if (!digits())
            return false;
        if (m_at < m_end && *m_at == '.') {
            ++m_at;
            if (!digits())
                return false;
        }
        if (m_at < m_end && (*m_at == 'e' || *m_at == 'E')) {
            ++m_at;
            if (m_at < m_end && (*m_at == '+' || *m_at == '-'))
                ++m_at;
            if (!digits())
                return false;
        }
        out.type = JsonValue::Type::Number;
        out.text = QByteArray(start, m_at - start);
        return true;
    }
    bool hex4(uint *code) {
        if (m_end - m_at < 4)
            return fail("a \\u escape needs four hex digits");
        uint v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_at[i];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= uint(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= uint(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= uint(c - 'A' + 10);
            else
                return fail("a \\u escape needs four hex digits");
        }
        m_at += 4;
        *code = v;
        return true;
    }
    static void appendUtf8(QByteArray &out, uint code) {
        if (code < 0x80) {
            out += char(code);
        } else if (code < 0x800) {
            out += char(0xc0 | (code >> 6));
            out += char(0x80 | (code & 0x3f));
        } else if (code < 0x10000) {
            out += char(0xe0 | (code >> 12));
            out += char(0x80 | ((code >> 6) & 0x3f));
            out += char(0x80 | (code & 0x3f));
        } else {
            out += char(0xf0 | (code >> 18));
            out += char(0x80 | ((code >> 12) & 0x3f));
            out += char(0x80 | ((code >> 6) & 0x3f));
            out += char(0x80 | (code & 0x3f));
        }
    }
    bool parseString(QByteArray &out) {
        ++m_at; // the opening quote
        while (true) {
            // Copy the run up to the next quote, backslash or control byte in one go.
            const char *run = m_at;
            while (m_at < m_end && *m_at != '"' && *m_at != '\\' && uchar(*m_at) >= 0x20) {
                if (uchar(*m_at) < 0x80) {
                    ++m_at;
                    continue;
                }
                const int n = utf8SequenceLength(m_at, m_end);
                if (n == 0)
                    return fail("a string that is not UTF-8");
                m_at += n;
            }
            out.append(run, m_at - run);
            if (m_at == m_end)
                return fail("an unterminated string");
            const char c = *m_at;
            if (c == '"') {
                ++m_at;
                return true;
            }
            if (c != '\\')
                return fail("a control character in a string (escape it)");
            ++m_at;
            if (m_at == m_end)
                return fail("an unterminated string");
            const char e = *m_at++;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                uint code = 0;
                if (!hex4(&code))
                    return false;
                if (code >= 0xd800 && code <= 0xdbff) { // a surrogate pair makes one character
                    uint low = 0;
                    if (m_end - m_at < 2 || m_at[0] != '\\' || m_at[1] != 'u')
                        return fail("a lone surrogate in a \\u escape");
                    m_at += 2;
                    if (!hex4(&low))
                        return false;
                    if (low < 0xdc00 || low > 0xdfff)
                        return fail("a lone surrogate in a \\u escape");
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                } else if (code >= 0xdc00 && code <= 0xdfff) {
                    return fail("a lone surrogate in a \\u escape");
                }
                appendUtf8(out, code);
                break;
            }
            default:
                --m_at;
                return fail("an unknown escape in a string");
            }
        }
    }
    bool parseValue(JsonValue &out, int depth) {
        if (m_at == m_end)
            return fail("the text ends where a value was expected");
        switch (*m_at) {
        case '{':
            return parseContainer(out, depth, true);
        case '[':
            return parseContainer(out, depth, false);
        case '"':
            out.type = JsonValue::Type::String;
            return parseString(out.text);
        case 't':
            return literal("true", JsonValue::Type::Bool, out);
        case 'f':
            return literal("false", JsonValue::Type::Bool, out);
        case 'n':
            return literal("null", JsonValue::Type::Null, out);
        default:
            if (*m_at == '-' || (*m_at >= '0' && *m_at <= '9'))
                return parseNumber(out);
            return fail("not a JSON value");
        }
    }
    bool parseContainer(JsonValue &out, int depth, bool object) {
        if (depth >= maxJsonDepth)
            return fail("nested too deeply");
        out.type = object ? JsonValue::Type::Object : JsonValue::Type::Array;
        const char close = object ? '}' : ']';
        ++m_at;
        skipSpace();
        if (m_at < m_end && *m_at == close) {
            ++m_at;
            return true;
        }
        while (true) {
            skipSpace();
            if (object) {
                if (m_at == m_end || *m_at != '"')
                    return fail("a member name (a string) expected");
                QByteArray name;
                if (!parseString(name))
                    return false;
                out.names.append(name);
                skipSpace();
                if (m_at == m_end || *m_at != ':')
                    return fail("':' expected after a member name");
                ++m_at;
                skipSpace();
            }
            out.items.append(JsonValue());
            if (!parseValue(out.items.last(), depth + 1))
                return false;
            skipSpace();
            if (m_at < m_end && *m_at == ',') {
                ++m_at;
                continue;
            }
            if (m_at < m_end && *m_at == close) {
                ++m_at;
                return true;
            }
            return fail(object ? "',' or '}' expected" : "',' or ']' expected");
        }
    }

    const char *m_begin;
    const char *m_at;
    const char *m_end;
    QString m_error;
    const char *m_errorAt = nullptr;
};

} // namespace

std::optional<JsonValue> parseJson(QByteArrayView text, QString *error) {
    return JsonParser(text).parseDocument(error);
}

void appendJson(QByteArray &out, const JsonValue &v, int indent) {
    switch (v.type) {
    case JsonValue::Type::Null:
        out += "null";
        return;
    case JsonValue::Type::Bool:
    case JsonValue::Type::Number:
        out += v.text;
        return;
    case JsonValue::Type::String:
        appendQuoted(out, v.text, false);
        return;
    case JsonValue::Type::Array:
    case JsonValue::Type::Object:
        break;
    }
    const bool object = v.type == JsonValue::Type::Object;
    out += object ? '{' : '[';
    for (qsizetype i = 0; i < v.items.size(); ++i) {
        if (i)
            out += ',';
        if (indent >= 0) {
            out += '\n';
            out.append(qsizetype(indent + 1) * 4, ' ');
        }
        if (object) {
            appendQuoted(out, v.names.at(i), false);
            out += indent >= 0 ? ": " : ":";
        }
        appendJson(out, v.items.at(i), indent >= 0 ? indent + 1 : -1);
    }
    if (indent >= 0 && !v.items.isEmpty()) {
        out += '\n';
        out.append(qsizetype(indent) * 4, ' ');
    }
    out += object ? '}' : ']';
}

std::optional<QString> prettyJson(QByteArrayView bytes) {
    const QByteArrayView trimmed = bytes.trimmed();
    if (trimmed.isEmpty() || (trimmed.front() != '{' && trimmed.front() != '['))
        return std::nullopt;
    const auto value = parseJson(trimmed);
    if (!value)
        return std::nullopt;
    QByteArray out;
    appendJson(out, *value, 0);
    return QString::fromUtf8(out);
}

void appendJsonBytes(QByteArray &out, QByteArrayView bytes) {
    if (isUtf8(bytes)) {
        appendQuoted(out, bytes, false);
        return;
    }
    out += "{\"base64\":\"";
    out += bytes.toByteArray().toBase64();
    out += "\"}";
}

std::optional<QByteArray> jsonBytes(const JsonValue &value) {
    if (value.type == JsonValue::Type::String)
        return value.text;
    if (value.type != JsonValue::Type::Object || value.names.size() != 1
        || value.names.first() != "base64" || value.items.first().type != JsonValue::Type::String)
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(value.items.first().text,
                                                  QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

void appendFieldsJson(QByteArray &out, const QList<QPair<QByteArrayView, QByteArrayView>> &fields) {
    // An object reads best (jq .fields.orderId); it is only lossless when the names are
    // unique UTF-8 strings, otherwise the pairs go in an array.
    bool asObject = true;
    QSet<QByteArrayView> names;
    names.reserve(fields.size());
    for (const auto &field : fields) {
        if (!isUtf8(field.first) || names.contains(field.first)) {
            asObject = false;
            break;
        }
        names.insert(field.first);
    }
    out += asObject ? '{' : '[';
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i)
            out += ',';
        if (!asObject)
            out += '[';
        appendJsonBytes(out, fields.at(i).first);
        out += asObject ? ':' : ',';
        appendJsonBytes(out, fields.at(i).second);
        if (!asObject)
            out += ']';
    }
    out += asObject ? '}' : ']';
}

void appendEntryJson(QByteArray &out, const StreamEntry &e) {
    out += "{\"stream\":";
    appendJsonBytes(out, e.stream);
    out += ",\"id\":\"";
    out += e.id.toByteArray();
    out += "\",\"fields\":";
    QList<QPair<QByteArrayView, QByteArrayView>> fields;
    fields.reserve(e.fieldCount());
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        fields.append({name, value});
    });
    appendFieldsJson(out, fields);
    out += "}\n";
}

QByteArray redisCliQuote(QByteArrayView bytes) {
    bool plain = !bytes.isEmpty();
    for (char c : bytes)
        plain = plain && uchar(c) > 0x20 && uchar(c) < 0x7f && c != '"' && c != '\\' && c != '\'';
    if (plain)
        return bytes.toByteArray();
    QByteArray out;
    appendQuoted(out, bytes, true);
    return out;
}

QByteArray xaddCommand(const StreamEntry &entry) {
    QByteArray out = "XADD " + redisCliQuote(entry.stream) + ' ' + entry.id.toByteArray();
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        out += ' ' + redisCliQuote(name) + ' ' + redisCliQuote(value);
    });
    return out;
}

Format detectFormat(QByteArrayView bytes) {
    if (prettyJson(bytes))
        return Format::Json;
    if (isUtf8(bytes) && !hasControlBytes(bytes))
        return Format::Text;
    return messagePackJson(bytes) ? Format::MessagePack : Format::Hex;
}

namespace {

void appendIndent(QByteArray &out, int level) {
    out += '\n';
    out.append(qsizetype(level) * 4, ' ');
}

// Writes one MessagePack object as JSON; false when nested deeper than sanity allows.
bool appendMsgpack(QByteArray &out, const msgpack_object &o, int level) {
    if (level > 64)
        return false;
    switch (o.type) {
    case MSGPACK_OBJECT_NIL:
        out += "null";
        return true;
    case MSGPACK_OBJECT_BOOLEAN:
        out += o.via.boolean ? "true" : "false";
        return true;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        out += QByteArray::number(quint64(o.via.u64));
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        out += QByteArray::number(qint64(o.via.i64));
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        out += std::isfinite(o.via.f64) ? QByteArray::number(o.via.f64, 'g', 17) : "null";
        return true;
    case MSGPACK_OBJECT_STR:
        appendJsonString(out, QByteArrayView(o.via.str.ptr, o.via.str.size));
        return true;
    case MSGPACK_OBJECT_BIN:
        appendJsonString(out, QByteArrayView(o.via.bin.ptr, o.via.bin.size));
        return true;
    case MSGPACK_OBJECT_EXT:
        out += "{\"$ext\": " + QByteArray::number(o.via.ext.type) + ", \"data\": ";
        appendJsonString(out, QByteArrayView(o.via.ext.ptr, o.via.ext.size));
        out += '}';
        return true;
    case MSGPACK_OBJECT_ARRAY: {
        if (o.via.array.size == 0) {
            out += "[]";
            return true;
        }
        out += '[';
        for (uint32_t i = 0; i < o.via.array.size; ++i) {
            if (i)
                out += ',';
            appendIndent(out, level + 1);
            if (!appendMsgpack(out, o.via.array.ptr[i], level + 1))
                return false;
        }
        appendIndent(out, level);
        out += ']';
        return true;
    }
    case MSGPACK_OBJECT_MAP: {
        if (o.via.map.size == 0) {
            out += "{}";
            return true;
        }
        out += '{';
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
            if (i)
                out += ',';
            appendIndent(out, level + 1);
            const msgpack_object &key = o.via.map.ptr[i].key;
            if (key.type == MSGPACK_OBJECT_STR) {
                appendJsonString(out, QByteArrayView(key.via.str.ptr, key.via.str.size));
            } else { // JSON keys are strings: the key's JSON text, quoted
                QByteArray keyJson;
                if (!appendMsgpack(keyJson, key, level + 1))
                    return false;
                appendJsonString(out, keyJson);
            }
            out += ": ";
            if (!appendMsgpack(out, o.via.map.ptr[i].val, level + 1))
                return false;
        }
        appendIndent(out, level);
        out += '}';
        return true;
    }
    }
    return false;
}

} // namespace

namespace {

// msgpack-c allocates a container's elements from its header before reading them, so 5 bytes
// (dd 7f ff ff ff) would ask for 64 GiB. Walks the value first: every element takes at least a
// byte, so a header announcing more elements (or a string more bytes) than are left is refused.
bool msgpackSizesFit(QByteArrayView bytes) {
    const auto *p = reinterpret_cast<const uchar *>(bytes.data());
    const quint64 size = quint64(bytes.size());
    quint64 pos = 0;
    quint64 pending = 1; // objects still to read
    auto bigEndian = [&](int width) {
        quint64 v = 0;
        for (int i = 0; i < width; ++i)
            v = (v << 8) | p[pos + 1 + quint64(i)];
        return v;
    };
    while (pending > 0) {
        if (pos >= size || pending > size - pos)
            return false;
        --pending;
        const uchar t = p[pos];
        quint64 header = 1;  // the type byte and the length field
        quint64 payload = 0; // bytes after the header
        quint64 elements = 0;
        if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
        } else if (t <= 0x8f) {
            elements = 2 * quint64(t & 0x0f);
        } else if (t <= 0x9f) {
            elements = t & 0x0f;
        } else if (t <= 0xbf) {
            payload = t & 0x1f;
        } else {
            // Length-field width (or fixed payload) of the remaining types.
            static const struct {
                uchar type;
                int lengthBytes;
                int fixedPayload;
                int multiplier; // 0: payload bytes, 1: elements, 2: map entries
            } kinds[] = {
                {0xc4, 1, 0, 0},  {0xc5, 2, 0, 0}, {0xc6, 4, 0, 0}, {0xc7, 1, 1, 0},
                {0xc8, 2, 1, 0},  {0xc9, 4, 1, 0}, {0xca, 0, 4, 0}, {0xcb, 0, 8, 0},
                {0xcc, 0, 1, 0},  {0xcd, 0, 2, 0}, {0xce, 0, 4, 0}, {0xcf, 0, 8, 0},
                {0xd0, 0, 1, 0},  {0xd1, 0, 2, 0}, {0xd2, 0, 4, 0}, {0xd3, 0, 8, 0},
                {0xd4, 0, 2, 0},  {0xd5, 0, 3, 0}, {0xd6, 0, 5, 0}, {0xd7, 0, 9, 0},
                {0xd8, 0, 17, 0}, {0xd9, 1, 0, 0}, {0xda, 2, 0, 0}, {0xdb, 4, 0, 0},
                {0xdc, 2, 0, 1},  {0xdd, 4, 0, 1}, {0xde, 2, 0, 2}, {0xdf, 4, 0, 2},
            };
            const auto *kind = std::find_if(std::begin(kinds), std::end(kinds),
                                            [t](const auto &k) { return k.type == t; });
            if (kind == std::end(kinds))
                return false; // 0xc1 is never used
            header += quint64(kind->lengthBytes);
            if (header > size - pos)
                return false;
            const quint64 length = kind->lengthBytes ? bigEndian(kind->lengthBytes) : 0;
            payload = quint64(kind->fixedPayload);
            if (kind->multiplier == 0)
                payload += length;
            else
                elements = length * quint64(kind->multiplier);
        }
        if (header + payload > size - pos)
            return false;
        pos += header + payload;
        pending += elements;
    }
    return true;
}

} // namespace

std::optional<QString> messagePackJson(QByteArrayView bytes) {
    if (bytes.isEmpty())
        return std::nullopt;
    const uchar first = uchar(bytes.front());
    const bool container = (first >= 0x80 && first <= 0x9f) || first == 0xdc || first == 0xdd
                           || first == 0xde || first == 0xdf;
    if (!container)
        return std::nullopt; // only maps and arrays count: anything else is too easily a guess
    if (!msgpackSizesFit(bytes))
        return std::nullopt;
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    size_t offset = 0;
    const msgpack_unpack_return status =
        msgpack_unpack_next(&result, bytes.data(), size_t(bytes.size()), &offset);
    std::optional<QString> out;
    if (status == MSGPACK_UNPACK_SUCCESS && offset == size_t(bytes.size())) {
        QByteArray json;
        if (appendMsgpack(json, result.data, 0))
            out = QString::fromUtf8(json);
    }
    msgpack_unpacked_destroy(&result);
    return out;
}

QString hexDump(QByteArrayView bytes) {
    QString out;
    out.reserve(bytes.size() * 4 + 16);
    for (qsizetype line = 0; line < bytes.size(); line += 16) {
        out += QStringLiteral("%1 ").arg(line, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i == line + 8)
                out += QLatin1Char(' ');
            if (i < bytes.size()) {
                const uchar u = uchar(bytes.at(i));
                out += QLatin1Char(' ');
                out += QLatin1Char(hexDigits[u >> 4]);
                out += QLatin1Char(hexDigits[u & 0xf]);
                ascii += u >= 0x20 && u < 0x7f ? QLatin1Char(char(u)) : QLatin1Char('.');
            } else {
                out += QLatin1String("   ");
            }
        }
        out += QLatin1String("  |") + ascii + QLatin1String("|\n");
    }
    return out;
}

QString formatValue(QByteArrayView bytes, Format format, qsizetype maxBytes) {
    const bool cut = bytes.size() > maxBytes;
    QByteArrayView shown = cut ? bytes.first(maxBytes) : bytes;
    if (cut) // do not split a UTF-8 sequence at the cut
        while (!shown.isEmpty() && (uchar(bytes.at(shown.size())) & 0xc0) == 0x80)
            shown.chop(1);
    if (format == Format::Auto)
        format = cut ? (isUtf8(shown) && !hasControlBytes(shown) ? Format::Text : Format::Hex)
                     : detectFormat(shown);
    switch (format) {
    case Format::Json:
        if (auto json = prettyJson(shown))
            return *json;
        return displayText(shown); // not JSON after all: shown as it is
    case Format::Hex:
        return hexDump(shown);
    case Format::MessagePack:
        if (auto json = messagePackJson(shown))
            return *json;
        return hexDump(shown); // not MessagePack (or cut): the bytes
    case Format::Text:
    case Format::Auto:
        break;
    }
    return displayText(shown);
}

QString entrySummary(const StreamEntry &entry, int maxChars) {
    if (entry.deleted)
        return QStringLiteral("(deleted)");
    QString out;
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (out.size() >= maxChars)
            return;
        if (!out.isEmpty())
            out += QLatin1Char(' ');
        out += singleLine(name, 60);
        out += QLatin1Char('=');
        out += singleLine(value, maxChars);
    });
    if (out.size() > maxChars)
        out = out.left(maxChars - 1) + QChar(0x2026);
    return out;
}

} // namespace streamscope::valueformat
