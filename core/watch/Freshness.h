#pragma once

#include "Wording.h"

#include <QMetaType>
#include <QString>

namespace streamscope {

// How current what a view shows is. A view that shows figures from the server keeps one, and
// while it is not current it greys those figures, says "last updated hh:mm:ss" and why, and
// shows rates as "-" (never the last value as if it were live). The session sends it to every
// view (Session::freshnessChanged).
struct Freshness {
    enum class State {
        NotConnected, // nothing is shown from any server
        Current,      // the last poll succeeded in time
        Stale,        // connected, but the server has not answered (or polls fail) since lastMs
        Replaced,     // the connection is being replaced: what is shown is the old server's
    };
    State state = State::NotConnected;
    qint64 lastUpdatedMs = 0; // wall clock of the last current figures (0: none yet)
    QString reason;           // why not current, in words ("the server does not answer")

    bool isCurrent() const { return state == State::Current; }
    // "last updated 03:12:09" ("" when current or never updated).
    QString lastUpdatedText() const {
        if (isCurrent() || lastUpdatedMs <= 0)
            return {};
        return QStringLiteral("last updated %1").arg(formatClock(lastUpdatedMs));
    }
    // "Not current (the server does not answer): last updated 03:12:09": for tooltips and notes.
    QString describe() const {
        if (isCurrent())
            return {};
        const QString when = lastUpdatedText();
        const QString why = reason.isEmpty() ? QStringLiteral("not current") : reason;
        return when.isEmpty() ? QStringLiteral("Not current: %1.").arg(why)
                              : QStringLiteral("Not current: %1; %2.").arg(why, when);
    }
    bool operator==(const Freshness &o) const {
        return state == o.state && lastUpdatedMs == o.lastUpdatedMs && reason == o.reason;
    }
    bool operator!=(const Freshness &o) const { return !(*this == o); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::Freshness)
