#include "ReplyText.h"

#include "Wording.h"

namespace streamscope {

namespace {

void appendQuoted(QString *out, const char *p, qsizetype n) {
    static const char hex[] = "0123456789abcdef";
    out->reserve(out->size() + n + 2);
    out->append(QLatin1Char('"'));
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        switch (c) {
        case '\\':
            out->append(QLatin1String("\\\\"));
            break;
        case '"':
            out->append(QLatin1String("\\\""));
            break;
        case '\n':
            out->append(QLatin1String("\\n"));
            break;
        case '\r':
            out->append(QLatin1String("\\r"));
            break;
        case '\t':
            out->append(QLatin1String("\\t"));
            break;
        case '\a':
            out->append(QLatin1String("\\a"));
            break;
        case '\b':
            out->append(QLatin1String("\\b"));
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                out->append(QLatin1Char(char(c)));
            } else {
                out->append(QLatin1String("\\x"));
                out->append(QLatin1Char(hex[c >> 4]));
                out->append(QLatin1Char(hex[c & 15]));
            }
        }
    }
    out->append(QLatin1Char('"'));
}

class Formatter {
public:
    explicit Formatter(const ReplyTextLimits &limits)
        : m_limits(limits) {}

    ReplyText result() {
        if (m_out.endsWith(QLatin1Char('\n')))
            m_out.chop(1);
        return {m_out, m_truncated, m_lines};
    }

    // Appends reply, whose first line already has its index printed (by the parent) and whose
    // further lines start with prefix. False when the limits were reached inside it.
    bool format(const RedisReply &reply, const QString &prefix) {
        switch (reply.type()) {
        case RedisReply::Type::Nil:
            return line(QStringLiteral("(nil)"));
        case RedisReply::Type::Integer:
            return line(QStringLiteral("(integer) %1").arg(reply.integer()));
        case RedisReply::Type::Status:
            return line(QString::fromUtf8(reply.bytes()));
        case RedisReply::Type::Error:
            return line(QStringLiteral("(error) ") + QString::fromUtf8(reply.bytes()));
        case RedisReply::Type::String: {
            const QByteArray bytes = reply.bytes();
            const qsizetype shown = qMin<qsizetype>(bytes.size(), m_limits.maxStringChars);
            QString text;
            appendQuoted(&text, bytes.constData(), shown);
            if (shown < bytes.size()) {
                m_truncated = true;
                text += QStringLiteral("... (%1 not shown)")
                            .arg(countOf(bytes.size() - shown, "more byte", "more bytes"));
            }
            return line(text);
        }
        case RedisReply::Type::Array:
            break;
        }
        const auto &elements = reply.elements();
        if (elements.empty())
            return line(QStringLiteral("(empty array)"));
        const int width = int(QString::number(qulonglong(elements.size())).size());
        const QString childPrefix = prefix + QString(width + 2, QLatin1Char(' '));
        for (size_t i = 0; i < elements.size(); ++i) {
            if (full()) {
                // For the first element the parent's index ends the current line already.
                notShown(i == 0 ? QString() : prefix, elements.size() - i);
                return false;
            }
            if (i > 0)
                m_out += prefix;
            m_out += QStringLiteral("%1) ").arg(qulonglong(i + 1), width);
            if (!format(elements[i], childPrefix)) {
                // The element was cut inside: it says so; the rest of this array is not shown.
                if (i + 1 < elements.size())
                    notShown(prefix, elements.size() - i - 1);
                return false;
            }
        }
        return true;
    }

private:
    bool full() const { return m_lines >= m_limits.maxLines || m_out.size() >= m_limits.maxChars; }

    bool line(const QString &text) {
        m_out += text;
        m_out += QLatin1Char('\n');
        ++m_lines;
        return true;
    }

    void notShown(const QString &prefix, size_t count) {
        m_truncated = true;
        m_out += prefix;
        m_out += QStringLiteral("... (%1 not shown)")
                     .arg(countOf(qint64(count), "more element", "more elements"));
        m_out += QLatin1Char('\n');
        ++m_lines;
    }

    const ReplyTextLimits &m_limits;
    QString m_out;
    int m_lines = 0;
    bool m_truncated = false;
};

} // namespace

ReplyText formatReply(const RedisReply &reply, const ReplyTextLimits &limits) {
    Formatter formatter(limits);
    (void)formatter.format(reply, QString());
    return formatter.result();
}

QString quoteBytes(const QByteArray &bytes) {
    QString out;
    appendQuoted(&out, bytes.constData(), bytes.size());
    return out;
}

} // namespace streamscope
