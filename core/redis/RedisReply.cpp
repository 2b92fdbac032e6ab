#include "RedisReply.h"

#include <QRegularExpression>
#include <QStringList>

#include <cstring>

namespace streamscope {

RedisReply RedisReply::integer(qint64 value) {
    RedisReply r;
    r.m_type = Type::Integer;
    r.m_integer = value;
    return r;
}

RedisReply RedisReply::array(std::vector<RedisReply> elements) {
    RedisReply r;
    r.m_type = Type::Array;
    r.m_elements = std::move(elements);
    return r;
}

const RedisReply &RedisReply::at(size_t i) const {
    static const RedisReply none;
    return i < m_elements.size() ? m_elements[i] : none;
}

QByteArray RedisReply::bytes() const {
    if (m_type == Type::Integer)
        return QByteArray::number(m_integer);
    return m_bytes;
}

bool RedisReply::toInteger(qint64 *out) const {
    if (m_type == Type::Integer) {
        *out = m_integer;
        return true;
    }
    if (m_type == Type::String || m_type == Type::Status) {
        bool ok = false;
        const qint64 v = m_bytes.toLongLong(&ok);
        if (ok)
            *out = v;
        return ok;
    }
    return false;
}

QByteArray RedisReply::errorCode() const {
    if (!isError())
        return {};
    const int space = m_bytes.indexOf(' ');
    return space < 0 ? m_bytes : m_bytes.left(space);
}

const RedisReply *RedisReply::field(const char *key) const {
    const size_t keyLen = std::strlen(key);
    for (size_t i = 0; i + 1 < m_elements.size(); i += 2) {
        const QByteArray &k = m_elements[i].m_bytes;
        if (size_t(k.size()) == keyLen && std::memcmp(k.constData(), key, keyLen) == 0)
            return &m_elements[i + 1];
    }
    return nullptr;
}

std::optional<qint64> RedisReply::integerField(const char *key) const {
    const RedisReply *f = field(key);
    qint64 v = 0;
    if (f && f->toInteger(&v))
        return v;
    return std::nullopt;
}

QString RedisReply::toDebugString() const {
    switch (m_type) {
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::Status:
        return QString::fromUtf8(m_bytes);
    case Type::Error:
        return QStringLiteral("(error) ") + QString::fromUtf8(m_bytes);
    case Type::Integer:
        return QStringLiteral("(integer) %1").arg(m_integer);
    case Type::String:
        return QLatin1Char('"') + QString::fromUtf8(m_bytes) + QLatin1Char('"');
    case Type::Array: {
        QStringList parts;
        for (const RedisReply &e : m_elements)
            parts << e.toDebugString();
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    }
    return {};
}

bool RedisReply::operator==(const RedisReply &o) const {
    return m_type == o.m_type && m_integer == o.m_integer && m_bytes == o.m_bytes
           && m_elements == o.m_elements;
}

QString RedisReply::errorMessage() const {
    if (!isError())
        return {};
    QString text = QString::fromUtf8(m_bytes);
    static const QRegularExpression scriptPlace(
        QStringLiteral(R"(\s*script: [0-9a-f]+, on @user_script:\d+\.?$)"));
    text.remove(scriptPlace);
    return text;
}

} // namespace streamscope
