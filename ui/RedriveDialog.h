#pragma once

#include "Redrive.h"

#include <QDialog>

#include <functional>
#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QTreeWidget;

namespace streamscope {

class GroupActionsWorker;

// Redrive with a preview: reads the letters of a dead-letter stream on the worker's thread
// (GroupActionsWorker::post), says how many go back to which streams and which cannot (and why),
// lets the user send all of them or the selected ones, confirms with a button named for what it
// does ("Redrive 12 letters to order-events") and says what was done. In read-only mode the
// preview works and Redrive is disabled, with the reason.
class RedriveDialog : public QDialog {
    Q_OBJECT
public:
    RedriveDialog(GroupActionsWorker *worker, QByteArray dlq, bool readOnly,
                  QWidget *parent = nullptr);

    // Reads the letters again (with the target typed, if any).
    void preview();
    // Redrives the chosen letters (after confirm).
    void redriveChosen();
    // Enables or disables Redrive in place.
    void setReadOnly(bool readOnly);
    // Disables Redrive with this reason (the ACL user may not run what it needs, a replica...);
    // empty: allowed.
    void setForbidden(const QString &reason);

    QString previewText() const;
    QString outcomeText() const;
    QString redriveButtonText() const;
    bool canRedrive() const;
    QString redriveDisabledReason() const;
    QTreeWidget *letterList() const { return m_list; }
    QLineEdit *targetEdit() const { return m_target; }
    QRadioButton *selectedOnlyButton() const { return m_selected; }
    QPushButton *redriveButton() const { return m_redrive; }
    bool isBusy() const { return m_busy; }
    const std::optional<RedrivePreview> &shownPreview() const { return m_preview; }

    // Asks before redriving: (question, action label). Default: confirmAction. Tests replace it.
    std::function<bool(const QString &, const QString &)> confirm;

Q_SIGNALS:
    // A preview arrived (or failed: error).
    void previewed(const QString &error);
    // A redrive ended: ok false when it stopped on an error (summary says what was done).
    void redriven(bool ok, const QString &summary);

private:
    void showPreview(const RedrivePreview &preview, const QString &error);
    void showOutcome(const RedriveOutcome &outcome, const QString &error);
    // The letters Redrive would send now: all redrivable, or the selected redrivable ones.
    RedriveLetterList chosen() const;
    void updateButton();

    GroupActionsWorker *m_worker;
    QByteArray m_dlq;
    bool m_readOnly;
    QString m_forbidden;
    bool m_busy = false;
    int m_request = 0;
    QByteArray m_previewedTarget;
    std::optional<RedrivePreview> m_preview;
    QLineEdit *m_target;
    QLabel *m_summary;
    QTreeWidget *m_list;
    QRadioButton *m_all;
    QRadioButton *m_selected;
    QLabel *m_reason;
    QLabel *m_outcome;
    QPushButton *m_refresh;
    QPushButton *m_redrive;
};

} // namespace streamscope
