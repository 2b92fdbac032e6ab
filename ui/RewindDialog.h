#pragma once

#include "Rewind.h"

#include <QDialog>
#include <QPointer>

#include <optional>

class QButtonGroup;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QTimer;

namespace streamscope {

class GroupActions;

// Rewind or skip a consumer group, with a live preview: choose the start, the end, a time or an
// entry ID; the preview (planRewind, on the actions worker's thread: the GUI never waits) says
// how many entries the group will receive again or skip, from which entry, what happens to its
// pending entries and to its lag. The apply button is named for what it does ("Rewind
// payment-service to 14:05:00 (1,234 entries again)") and is disabled in read-only mode with the
// reason. Applying refuses when the group moved since the preview and shows the new preview.
class RewindDialog : public QDialog {
    Q_OBJECT
public:
    enum class Choice { Start, End, Time, Entry };
    RewindDialog(GroupActions *actions, QByteArray stream, QByteArray group, bool readOnly,
                 QWidget *parent = nullptr);

    void setReadOnly(bool readOnly);
    // Selects a target (and previews it).
    void choose(Choice choice);
    void setTime(const QDateTime &moment);
    void setEntryId(const QString &id);
    // Asks for a preview of the target chosen now (done by itself after each change).
    void preview();
    // Applies the plan shown (the apply button).
    void apply();

    QString previewText() const;
    QString errorText() const;
    QString resultText() const;
    QPushButton *applyButton() const { return m_apply; }
    QDateTimeEdit *timeEdit() const { return m_time; }
    QLineEdit *idEdit() const { return m_id; }
    std::optional<RewindPlan> shownPlan() const { return m_plan; }

Q_SIGNALS:
    // A preview arrived (or failed: error not empty).
    void previewed(const QString &error);
    // The apply finished: ok and what happened (Moved: ok false, a new preview is shown).
    void applied(bool ok, const QString &message);

private:
    std::optional<RewindTarget> target();
    void showPlan(int request, const Result<RewindPlan> &plan);
    void showOutcome(const Result<RewindOutcome> &outcome);
    void updateApply();

    QPointer<GroupActions> m_actions; // replaced on reconnect: then gone, and said so
    QByteArray m_stream;
    QByteArray m_group;
    bool m_readOnly;
    int m_request = 0;
    bool m_busy = false;
    std::optional<RewindPlan> m_plan; // the preview shown, for the current choice
    QButtonGroup *m_choices;
    QRadioButton *m_start;
    QRadioButton *m_end;
    QRadioButton *m_atTime;
    QRadioButton *m_atEntry;
    QDateTimeEdit *m_time;
    QLineEdit *m_id;
    QPlainTextEdit *m_preview; // scrolls: a preview is several sentences
    QLabel *m_error;
    QLabel *m_result;
    QPushButton *m_apply;
    QTimer *m_debounce;
};

} // namespace streamscope
