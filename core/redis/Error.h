#pragma once

#include <QMetaType>
#include <QString>

#include <optional>
#include <utility>

namespace streamscope {

// Why an operation failed. Callers branch on the kind (the CLI maps it to an exit code, the
// tail engine decides whether to reconnect); the message is for people and names what to do.
struct [[nodiscard]] Error {
    enum class Kind {
        None,
        InvalidArgument, // caught before anything was sent
        Connect,         // could not reach the server
        Auth,            // reached it, but AUTH/ACL refused us
        Timeout,         // the server did not answer in time
        Io,              // the connection broke mid-command
        Protocol,        // the bytes were not RESP
        Server,          // the server answered with an error reply (WRONGTYPE, NOPERM, ...)
        Cancelled,       // we were asked to stop
        ReadOnly,        // a write refused by read-only mode: nothing was sent
        Tls,     // a certificate or TLS handshake we cannot accept (final: retrying cannot help)
        HostKey, // an SSH server's host key unknown or changed (final until the user trusts it)
    };

    Kind kind = Kind::None;
    QString message;

    Error() = default;
    Error(Kind k, QString msg)
        : kind(k)
        , message(std::move(msg)) {}

    bool isError() const { return kind != Kind::None; }
    explicit operator bool() const { return isError(); }
    // True when retrying on a fresh connection may help.
    bool isTransient() const {
        return kind == Kind::Connect || kind == Kind::Timeout || kind == Kind::Io
               || kind == Kind::Protocol;
    }
    // True when retrying cannot help until the user changes something: a certificate or SSH host
    // key not accepted, a refused password, or (from a connect) the wrong kind of server or an
    // unknown master. Workers stop on it and the window says it until the user connects again.
    bool isFinal() const {
        return kind == Kind::Tls || kind == Kind::HostKey || kind == Kind::Auth
               || kind == Kind::InvalidArgument;
    }
    static QString kindName(Kind kind);
};

// A value or the reason there is none. Deliberately small: the caller must look at ok().
template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_value(std::move(value)) {}
    Result(Error error)
        : m_error(std::move(error)) {}

    bool ok() const { return m_value.has_value(); }
    const Error &error() const { return m_error; }
    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    T *operator->() { return &*m_value; }

private:
    std::optional<T> m_value;
    Error m_error;
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::Error)
